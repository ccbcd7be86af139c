from signoff.cli.entry import run

run()
