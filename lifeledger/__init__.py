"""lifeledger: signed audit ledger of petition-work accountability (湖南省信访工作责任追究办法).

The code lives in the top-level packages ``ledger`` (write side), ``projections`` (read side) and
``cli`` (command line); this package gives the distribution's own name to ``python -m``."""
