print("punctual-bench: no scenarios yet")
