{
    "name": "dynaOFFICE Mail",
    "summary": "A complete IMAP e-mail client inside Odoo: personal and group mailboxes",
    "version": "18.0.1.0.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/dynaoffice/dynaoffice_mail",
    "author": "dynaoffice_mail contributors",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": True,
    "installable": True,
    "depends": ["mail", "html_editor"],
    "external_dependencies": {"python": ["imapclient", "cryptography", "vobject"]},
    "data": [
        "security/dynaoffice_mail_security.xml",
        "security/ir.model.access.csv",
        "data/dynaoffice_mail_server_preset_data.xml",
        "data/dynaoffice_mail_cron.xml",
        "views/dynaoffice_mail_account_views.xml",
        "views/res_users_views.xml",
        "views/res_partner_views.xml",
        "views/dynaoffice_mail_client_views.xml",
        "views/dynaoffice_mail_menus.xml",
        "views/dynaoffice_mail_message_views.xml",
        "views/ir_actions_server_views.xml",
        "views/authorization_templates.xml",
    ],
    "demo": [
        "demo/dynaoffice_mail_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "dynaoffice_mail/static/src/**/*",
        ],
        "web.assets_tests": [
            "dynaoffice_mail/static/tests/tours/**/*",
        ],
        "web.assets_unit_tests": [
            "dynaoffice_mail/static/tests/**/*",
            ("remove", "dynaoffice_mail/static/tests/tours/**/*"),
        ],
    },
}
