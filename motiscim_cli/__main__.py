from motiscim_cli.app import main

main()
