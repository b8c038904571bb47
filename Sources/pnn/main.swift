print("pnn")
