"""``python -m lifeledger``: the same command line as the ``lifeledger`` script."""

from cli.main import main

if __name__ == "__main__":
    main()
