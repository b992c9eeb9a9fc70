"""``python -m sim``: the negsim command line."""

from sim.cli import run

if __name__ == "__main__":
    run()
