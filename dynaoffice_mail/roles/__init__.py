"""What is done with a mailbox, as plain classes built from an account that passed one
access check (see roles/base.py)."""
