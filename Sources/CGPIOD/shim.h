// libgpiod 1.6 (Debian libgpiod-dev).
#include <gpiod.h>
