"""Where records are kept: store selection (``store``), the recorders that write each event's
Merkle leaf in the same transaction (``recorders``), the leaf entry (``entries``) and the
library transcodings (``transcodings``). SQLite and PostgreSQL behind one interface."""
