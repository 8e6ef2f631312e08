from corpuspack.cli.commands import main

main()
