// libusb-1.0 (Debian libusb-1.0-0-dev); include path comes from pkg-config libusb-1.0.
#include <libusb.h>
