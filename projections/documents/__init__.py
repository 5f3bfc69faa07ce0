"""Documents officials file and print (Art. 10, 11, 12, 14), rendered only from verified
events and bound to the ledger by a verification code and its QR code."""
