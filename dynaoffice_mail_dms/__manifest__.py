{
    "name": "dynaOFFICE Mail: Document Storage",
    "summary": "File mail and its attachments into OCA DMS directories",
    "version": "18.0.1.0.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/dynaoffice/dynaoffice_mail",
    "author": "dynaoffice_mail contributors",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "installable": True,
    "auto_install": True,
    "depends": ["dynaoffice_mail", "dms"],
    "data": ["views/dynaoffice_mail_account_views.xml"],
    "demo": ["demo/dynaoffice_mail_dms_demo.xml"],
    "assets": {
        "web.assets_tests": ["dynaoffice_mail_dms/static/tests/tours/**/*"],
    },
}
