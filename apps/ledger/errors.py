"""Errors of the ledger, each with the stable ``code`` clients (and callers) switch on."""

from __future__ import annotations

from scholarnet.api.errors import ApplicationError


class UnbalancedTransaction(ApplicationError):
    # A programming error in the caller, never a user's: the ledger refuses and writes nothing.
    status_code = 500
    code = "ledger_unbalanced"
    default_detail = "A ledger transaction's entries must be non-zero and sum to zero."


class LedgerAccountMissing(ApplicationError):
    status_code = 500
    code = "ledger_account_missing"
    default_detail = "A ledger transaction names an account that does not exist."


class LedgerTransactionMissing(ApplicationError):
    status_code = 500
    code = "ledger_transaction_missing"
    default_detail = "The ledger transaction to reverse does not exist."
