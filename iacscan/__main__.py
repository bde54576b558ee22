from iacscan.cli import main

main()
