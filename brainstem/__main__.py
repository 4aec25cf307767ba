from brainstem.cli import main

main()
