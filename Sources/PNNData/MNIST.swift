/// The MNIST handwritten digits (LeCun, Cortes & Burges): 60 000 training and 10 000 test images of
/// 28×28 pixels, labels 0–9. `MNIST.load(downsample: 2)` gives the 196-feature form the physical
/// layers take.
public enum MNIST: IDXImageDataset {
    public static let name = "mnist"
    public static let classNames = (0 ... 9).map(String.init)
}
