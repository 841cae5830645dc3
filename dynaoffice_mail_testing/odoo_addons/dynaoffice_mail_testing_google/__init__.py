"""google_gmail writes Google's token endpoint inline (no parameter, unlike
microsoft_outlook's `microsoft_outlook.endpoint`): a test's own process patches its module, but
an Odoo started as a process of its own must be told. Loaded server-wide there
(`server_wide_modules`, never installed), this sends requests for that URL to the URL in the
environment variable GOOGLE_TOKEN_URL_VARIABLE, and nothing else anywhere."""

import os

import requests

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_TOKEN_URL_VARIABLE = "DYNAOFFICE_MAIL_TEST_GOOGLE_TOKEN_URL"


def send_google_token_requests_to_the_test_provider():
    local = os.environ.get(GOOGLE_TOKEN_URL_VARIABLE)
    if not local:
        return
    post = requests.post

    def redirected_post(url, *args, **kwargs):
        return post(local if url == GOOGLE_TOKEN_URL else url, *args, **kwargs)

    requests.post = redirected_post
