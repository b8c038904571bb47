import ArgumentParser
import PNNPhysics

// `MODEL` arguments: any ModelKind raw value; anything else is a usage error listing the valid ones.
extension ModelKind: ExpressibleByArgument {}
