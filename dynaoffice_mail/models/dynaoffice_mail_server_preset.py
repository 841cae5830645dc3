from odoo import fields, models


class DynaofficeMailServerPreset(models.Model):
    """Server settings that the "dynaMAIL" server type fills in; administrators keep them."""

    _name = "dynaoffice.mail.server.preset"
    _description = "Mail Server Preset"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    imap_host = fields.Char(string="IMAP Host", required=True)
    imap_ssl = fields.Boolean(string="IMAP SSL", default=True)
    imap_port = fields.Integer(string="IMAP Port", required=True, default=993)
    smtp_host = fields.Char(string="SMTP Host", required=True)
    smtp_port = fields.Integer(string="SMTP Port", required=True, default=465)
    smtp_encryption = fields.Selection(
        [("tls", "TLS"), ("ssl", "SSL"), ("none", "None")],
        string="Encryption",
        required=True,
        default="tls",
    )
    ca_certificate = fields.Text(
        string="CA Certificate (PEM)",
        help="For a hosting whose servers use certificates of its own certificate authority.",
    )
