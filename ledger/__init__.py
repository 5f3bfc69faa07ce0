"""lifeledger write side: the Measures as data, aggregates, signatures, the Application,
legal periods, verification and the transparency log."""
