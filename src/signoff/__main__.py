from signoff.cli.main import run

run()
