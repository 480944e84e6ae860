import FuzzDriver

runFuzzer { data, size in fuzzProfile(data, size) }
