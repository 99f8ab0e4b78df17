// libxcrypt (libcrypt-dev): the password hashing behind /etc/shadow, used for the users file.
#ifndef BARENET_CCRYPT_H
#define BARENET_CCRYPT_H
#include <crypt.h>
#endif
