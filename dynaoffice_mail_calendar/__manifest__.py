{
    "name": "dynaOFFICE Mail: Calendar",
    "summary": "Answered invitations from dynaOFFICE Mail in Odoo's calendar",
    "version": "18.0.1.0.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/dynaoffice/dynaoffice_mail",
    "author": "dynaoffice_mail contributors",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "installable": True,
    "auto_install": True,
    "depends": ["dynaoffice_mail", "calendar"],
}
