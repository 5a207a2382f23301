local limit = 15
error("rule broke on purpose")
