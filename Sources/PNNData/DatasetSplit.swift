/// Which half of a published train/test split.
public enum DatasetPart: String, Sendable, Hashable, CaseIterable {
    case train
    case test
}

/// A data set's published training and test halves.
///
/// Kept together because results are only comparable with other work when the test samples are
/// exactly the published ones; loaders never re-split.
public struct DatasetSplit: Sendable, Equatable {
    public var train: Dataset
    public var test: Dataset

    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }

    /// The half named by `part`.
    public subscript(part: DatasetPart) -> Dataset {
        switch part {
        case .train: train
        case .test: test
        }
    }
}
