"""mailbot: issues invoices by email and chases the unpaid ones."""

__version__ = "0.1.0"
