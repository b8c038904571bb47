/// Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando): a drop-in MNIST replacement of clothing images,
/// same sizes and file layout, 6 000 training and 1 000 test images per class. Debian's
/// `dataset-fashion-mnist` package installs it where `DatasetLocator.standard()` looks.
public enum FashionMNIST: IDXImageDataset {
    public static let name = "fashion-mnist"
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
}
