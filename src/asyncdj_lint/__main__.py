from asyncdj_lint.cli import run

run()
