"""Vendor-neutral fiscal model, pure and without I/O: receipts, items, payments, VAT, arithmetic, QR, TLV."""
