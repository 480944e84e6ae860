import FuzzDriver

runFuzzer { data, size in fuzzPrompt(data, size) }
