"""What the bridge adds to dynaoffice_mail's roles (see dynaoffice_mail/roles/)."""
