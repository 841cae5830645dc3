{
    "name": "dynaoffice_mail tests: Google's token endpoint at the local provider",
    "summary": "For a second Odoo process in tests only: never install it, load it server-wide",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "depends": ["base"],
    "installable": False,
    "post_load": "send_google_token_requests_to_the_test_provider",
}
