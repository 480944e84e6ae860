import FuzzDriver

runFuzzer { data, size in fuzzControl(data, size) }
