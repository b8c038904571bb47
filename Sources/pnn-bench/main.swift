print("pnn-bench")
