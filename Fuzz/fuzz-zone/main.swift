// Without -sanitize=fuzzer this program replays the files named on its command line through
// the target; scripts/fuzz links libFuzzer instead, whose main() drives the target.
import FuzzSupport
import Glibc

exit(barenet_replay(CommandLine.argc, CommandLine.unsafeArgv))
