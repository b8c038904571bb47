import PNNCore

/// An image classification set in the MNIST layout: four IDX files (`train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each optionally
/// gzip-compressed, in one directory.
///
/// A protocol with the loading in an extension so each member of the family (MNIST, Fashion-MNIST,
/// and any drop-in replacement such as KMNIST) is just a name and its class names.
public protocol IDXImageDataset {
    /// Directory name under a data set root (`DatasetLocator`), e.g. `mnist`.
    static var name: String { get }
    /// Class names indexed by label.
    static var classNames: [String] { get }
}

extension IDXImageDataset {
    /// The images and labels file names of `part`, without `.gz` (either form is accepted).
    public static func fileNames(for part: DatasetPart) -> (images: String, labels: String) {
        switch part {
        case .train: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
        case .test: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
        }
    }

    /// The first of `locator`'s candidate directories holding all four files.
    public static func locate(using locator: DatasetLocator = .standard()) throws(DatasetError) -> String {
        let files = DatasetPart.allCases.flatMap { part in
            let names = fileNames(for: part)
            return [names.images, names.labels]
        }
        return try locator.locate(name, containing: files)
    }

    /// Both halves of the published split.
    ///
    /// - Parameters:
    ///   - directory: where the IDX files are; nil searches `locator`.
    ///   - downsample: side of the square pixel block averaged into one feature: 1 keeps 28×28 (784
    ///     features), 2 gives 14×14 (196, the physical layers' input size). Must divide the image sides.
    /// - Returns: features scaled to [0, 1], shape `[count, (28/downsample)²]`.
    public static func load(directory: String? = nil, downsample: Int = 1,
                            locator: DatasetLocator = .standard()) throws(DatasetError) -> DatasetSplit {
        let directory = if let directory { directory } else { try locate(using: locator) }
        return try DatasetSplit(train: load(.train, directory: directory, downsample: downsample),
                                test: load(.test, directory: directory, downsample: downsample))
    }

    /// One half of the split (see `load(directory:downsample:locator:)`); loading only the 10 000 test
    /// images is much quicker when that is all a tool needs.
    public static func load(_ part: DatasetPart, directory: String? = nil, downsample: Int = 1,
                            locator: DatasetLocator = .standard()) throws(DatasetError) -> Dataset {
        guard downsample >= 1 else {
            throw DatasetError(.invalidArgument, "\(name): downsample must be ≥ 1, got \(downsample)")
        }
        let directory = if let directory { directory } else { try locate(using: locator) }
        let names = fileNames(for: part)
        let imagesPath = try DatasetLocator.requireFile(names.images, in: directory)
        let labelsPath = try DatasetLocator.requireFile(names.labels, in: directory)
        let labelFile = try IDXFile(path: labelsPath, rank: 1)
        let imageFile = try IDXFile(path: imagesPath, rank: 3)
        let (count, rows, columns) = (imageFile.dimensions[0], imageFile.dimensions[1], imageFile.dimensions[2])
        guard labelFile.dimensions[0] == count else {
            throw DatasetError(.inconsistent, path: labelsPath,
                               "\(labelFile.dimensions[0]) labels, but \(imagesPath) holds \(count) images")
        }
        guard rows > 0, columns > 0 else {
            throw DatasetError(.inconsistent, path: imagesPath, "images of \(rows)×\(columns) pixels hold no features")
        }
        guard rows % downsample == 0, columns % downsample == 0 else {
            throw DatasetError(.invalidArgument, path: imagesPath,
                               "downsample \(downsample) does not divide the \(rows)×\(columns) images evenly")
        }
        var labels: [Int] = []
        labels.reserveCapacity(count)
        for (index, byte) in labelFile.elements.enumerated() {
            guard Int(byte) < classNames.count else {
                throw DatasetError(.inconsistent, path: labelsPath,
                                   "label \(byte) of sample \(index) is outside 0..<\(classNames.count)")
            }
            labels.append(Int(byte))
        }
        let features = PixelFeatures.features(imageFile.elements, count: count, rows: rows, columns: columns, factor: downsample)
        let width = (rows / downsample) * (columns / downsample)
        let suffix = downsample == 1 ? "" : " \(rows / downsample)×\(columns / downsample)"
        let tensor: Tensor<Double>
        do {
            tensor = try Tensor(shape: [count, width], scalars: features)
        } catch {
            throw DatasetError(.inconsistent, path: imagesPath, error.message)
        }
        return try Dataset(name: "\(name)/\(part.rawValue)\(suffix)", features: tensor, labels: labels, classNames: classNames)
    }
}
