"""The Measures as software, with no I/O: the regulation as data (``regulation``), the aggregates
(``case``, ``cadre``, ``unit``, ``keys``), the decision document (``decision``), legal periods
(``periods``), identifiers (``ids``) and the stored names of records (``topics``)."""
