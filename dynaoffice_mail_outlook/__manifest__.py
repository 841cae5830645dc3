{
    "name": "dynaOFFICE Mail: Microsoft 365",
    "summary": "Microsoft 365 / Outlook mailboxes in dynaOFFICE Mail, connected through OAuth2",
    "version": "18.0.1.0.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/dynaoffice/dynaoffice_mail",
    "author": "dynaoffice_mail contributors",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "installable": True,
    "auto_install": True,
    "depends": ["dynaoffice_mail", "microsoft_outlook"],
    "data": [
        "views/dynaoffice_mail_account_views.xml",
    ],
}
