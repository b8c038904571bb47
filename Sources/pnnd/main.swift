print("pnnd")
