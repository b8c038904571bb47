/// The datasets the experiments train on.
public enum DatasetName: String, Sendable, Codable, CaseIterable {
    case vowels
    case mnist
    case fashionMNIST = "fashion-mnist"
}
