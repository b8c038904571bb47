import PNNCore
import PNNData

/// The experiment's dataset as the trainer wants it, with class names for reports.
public struct ExperimentData: Sendable {
    public var train: LabelledData
    public var test: LabelledData
    public var classNames: [String]

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
        return ExperimentData(train: convert(split.train), test: convert(split.test), classNames: split.train.classNames)
    }

    static func convert(_ d: Dataset) -> LabelledData {
        // Dataset guarantees labels in 0..<classCount and rows matching labels.
        LabelledData(unchecked: d.features, labels: d.labels, classCount: d.classCount)
    }
}
