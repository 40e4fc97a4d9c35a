"""TorchVersion: `torch.__version__`, a str that compares as a version.

glasstorch follows the API of PyTorch 2.13.0 (the version its tests compare against), so its
`__version__` is "2.13.0+glasstorch.<release>": PyTorch's version with a PEP 440 local label
naming glasstorch, the way a PyTorch CPU build reports "2.13.0+cpu". Code that checks
`torch.__version__ >= "1.9"` or `>= (2, 0)` takes its PyTorch-2.13 path; `"glasstorch" in
torch.__version__` tells the two apart. Comparisons follow PEP 440 (as PyTorch's TorchVersion,
which uses `packaging`): 1.10 > 1.9, 2.0.0rc1 < 2.0.0, a local label sorts after its release;
a string that is not a version (such as 'parrot') is compared as a plain string.
"""
import re

# release, pre-release (a/b/rc), post-release, dev-release, local label (PEP 440, with the
# spellings `packaging` normalises: alpha/beta/c/pre/preview, -post/rev, '-' or '_' separators)
_VERSION = re.compile(r"""
    v?(?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?:-(?P<post_n1>[0-9]+)|(?P<post>[-_.]?(?:post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_.]?dev[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    """, re.VERBOSE | re.IGNORECASE)
_PRE_NAMES = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}


class InvalidVersion(ValueError):
    """A string that is not a PEP 440 version."""


def version_key(text):
    """A tuple that sorts versions in PEP 440 order (the comparison key `packaging` uses)."""
    match = _VERSION.fullmatch(str(text).strip())
    if match is None:
        raise InvalidVersion(f"Invalid version: '{text}'")
    release = [int(part) for part in match["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:     # 1.0.0 == 1.0 == 1
        release.pop()
    has_post = match["post_n1"] is not None or match["post"] is not None
    has_dev = match["dev"] is not None
    if match["pre"] is not None:
        letter = match["pre"].lower()
        pre = (1, _PRE_NAMES.get(letter, letter), int(match["pre_n"] or 0))
    elif has_dev and not has_post:
        pre = (0,)                                   # 1.0.dev1 comes before 1.0a1
    else:
        pre = (2,)                                   # a final release: after its pre-releases
    post = (1, int(match["post_n1"] or match["post_n2"] or 0)) if has_post else (0,)
    dev = (0, int(match["dev_n"] or 0)) if has_dev else (1,)    # dev releases come first
    local = (0,)
    if match["local"]:
        segments = re.split(r"[-_.]", match["local"].lower())
        # numeric segments sort after alphanumeric ones, and by value
        local = (1,) + tuple((1, int(s), "") if s.isdigit() else (0, 0, s) for s in segments)
    return tuple(release), pre, post, dev, local


def _as_key(other):
    if isinstance(other, str):
        return version_key(other)
    if isinstance(other, (tuple, list)):               # (2, 1) means "2.1"
        return version_key(".".join(str(part) for part in other))
    if hasattr(other, "release") and hasattr(other, "local"):   # a packaging Version
        return version_key(str(other))
    raise InvalidVersion(f"cannot compare a version with {other!r}")


class TorchVersion(str):
    """A version string that compares with strings, tuples and packaging Versions as versions
    (`torch.__version__ >= (2, 0)`), falling back to string comparison for non-versions."""

    __slots__ = ()

    def _compare(self, other, op, str_op):
        try:
            return op(version_key(self), _as_key(other))
        except InvalidVersion:
            return str_op(other)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b, super().__lt__)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b, super().__le__)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b, super().__gt__)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b, super().__ge__)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b, super().__eq__)

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = str.__hash__
