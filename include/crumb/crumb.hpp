// crumb: signed-cookie sessions for C++20. This umbrella header includes every public
// header; include the single ones to keep compile times down.
#pragma once

#include "crumb/auth.hpp"
#include "crumb/base64.hpp"
#include "crumb/chunks.hpp"
#include "crumb/clock.hpp"
#include "crumb/codec.hpp"
#include "crumb/compress.hpp"
#include "crumb/cookie.hpp"
#include "crumb/csrf.hpp"
#include "crumb/error.hpp"
#include "crumb/json.hpp"
#include "crumb/mac.hpp"
#include "crumb/messages.hpp"
#include "crumb/manager.hpp"
#include "crumb/profile.hpp"
#include "crumb/profile/django.hpp"
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
#include "crumb/profile/flask.hpp"  // HMAC-SHA1: libcrypto only
#endif
#include "crumb/profile/native.hpp"
#include "crumb/purpose.hpp"
#include "crumb/session.hpp"
#include "crumb/session_settings.hpp"
#include "crumb/store.hpp"
#include "crumb/store_reference.hpp"
#include "crumb/value.hpp"
#include "crumb/value_traits.hpp"
#include "crumb/version.hpp"
