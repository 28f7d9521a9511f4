print("convkit")
