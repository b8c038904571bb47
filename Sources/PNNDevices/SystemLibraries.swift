import CGPIOD
import CLibUSB

/// Versions of the system libraries the hardware transports are built on (libusb-1.0, libgpiod).
///
/// `pnn version` prints them so a lab can tell at a glance which userspace stack a binary links; the
/// USBTMC and GPIO transports of the hardware issue use the same two modules.
public enum SystemLibraries {
    /// libusb version as `major.minor.micro`, e.g. `1.0.26`.
    public static var libusbVersion: String {
        guard let v = libusb_get_version()?.pointee else { return "unknown" }
        return "\(v.major).\(v.minor).\(v.micro)"
    }

    /// libgpiod version string, e.g. `1.6.3`.
    public static var libgpiodVersion: String {
        guard let s = gpiod_version_string() else { return "unknown" }
        return String(cString: s)
    }
}
