/// Builds models by kind with default physical parameters: the one place a new model is registered.
public enum ModelCatalog {
    /// Layer sizes the MNIST experiments use per model (the benchmark sizes, see docs/physics.md):
    /// 196 inputs (a 14×14 image) for the oscillators, 64 spectral bins for SHG.
    public static func mnistShape(_ kind: ModelKind) -> ModelShape {
        switch kind {
        case .mechanical: ModelShape(inputs: 196, parameters: 196, outputs: 196)
        case .electronic: ModelShape(inputs: 196, parameters: 196, outputs: 196)
        case .shg: ModelShape(inputs: 48, parameters: 16, outputs: 32)
        }
    }

    /// A model of `kind` with default physical parameters and the given sizes.
    public static func make(_ kind: ModelKind, shape: ModelShape) throws(ModelError) -> any PhysicalModel {
        switch kind {
        case .mechanical: try MechanicalModel(.init(shape: shape))
        case .electronic: try ElectronicModel(ElectronicModel.Configuration(shape: shape))
        case .shg: try SHGModel(SHGModel.Configuration(shape: shape))
        }
    }
}
