import base64
import logging
from io import BytesIO

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

logger = logging.getLogger(__name__)


def _fernet_for(secret_key):
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"marquee two-factor secrets"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class MFAAdapter(DefaultMFAAdapter):
    def build_totp_svg(self, url):
        """The QR code on a white background, so a phone can scan it on the dark theme too."""
        import qrcode
        from qrcode.image.svg import SvgPathFillImage

        buffer = BytesIO()
        qrcode.make(url, image_factory=SvgPathFillImage).save(buffer)
        return buffer.getvalue().decode("utf8")

    # Authenticator secrets (the TOTP key, the recovery codes' seed) are stored encrypted
    # with a key derived from SECRET_KEY, so a copy of the database alone doesn't let anyone
    # make codes. Rotating SECRET_KEY keeps old secrets readable through
    # SECRET_KEY_FALLBACKS, as Django does for its own signatures.

    def _fernet(self):
        keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        return MultiFernet([_fernet_for(key) for key in keys])

    def encrypt(self, text):
        return self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text):
        try:
            return self._fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            # The key changed without a fallback: no code can match, so the member gets
            # "incorrect code" (and can use account recovery), never an error page.
            logger.error("A two-factor secret could not be decrypted: was SECRET_KEY rotated?")
            return ""
