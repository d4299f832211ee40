"""The application database: engine and sessions, migrations, token encryption, repositories.

Activities use the store; workflows never do.
"""

from store.crypto import TokenCipher, TokenKeyMissing
from store.db import Store

__all__ = ["Store", "TokenCipher", "TokenKeyMissing"]
