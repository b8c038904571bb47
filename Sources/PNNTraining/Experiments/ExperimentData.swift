import PNNCore
import PNNData

/// The experiment's training and test split (PNNData's `Dataset`, which the trainer takes as it is).
public struct ExperimentData: Sendable {
    public var train: Dataset
    public var test: Dataset
    /// Class names for reports (the same for both splits).
    public var classNames: [String] { train.classNames }

    /// Loads `experiment`'s dataset from `directory` (or the usual places, `DatasetLocator`), keeping
    /// the first `trainSubset` / `testSubset` samples when given (stratified, seeded, so every class
    /// stays represented).
    public static func load(_ experiment: Experiment, directory: String? = nil, trainSubset: Int? = nil,
                            testSubset: Int? = nil) throws(DatasetError) -> ExperimentData {
        var split: DatasetSplit
        switch experiment.dataset {
        case .vowels: split = try Vowels.load(directory: directory)
        case .mnist: split = try MNIST.load(directory: directory, downsample: experiment.downsample)
        case .fashionMNIST: split = try FashionMNIST.load(directory: directory, downsample: experiment.downsample)
        }
        if let n = trainSubset, n < split.train.count { split.train = split.train.stratifiedSubset(n, seed: 11) }
        if let n = testSubset, n < split.test.count { split.test = split.test.stratifiedSubset(n, seed: 12) }
        return ExperimentData(train: split.train, test: split.test)
    }
}
