#!/usr/bin/python3
# test_e2e.py: Waymark end to end. The real `waymark` binary is started and driven over AT-SPI
# the way a screen-reader user drives it: controls are found by role and accessible name,
# pressed, typed into, toggled. Run it through run-e2e, which makes the private session
# (display, D-Bus, accessibility bus, temporary HOME) and passes the paths in
# WAYMARK_E2E_APP, WAYMARK_E2E_CLI, WAYMARK_E2E_SCREENSHOTS and WAYMARK_E2E_WORKDIR.
# Arguments are unittest's: `run-e2e -- E2ESkeletonTest.test_about`.
#
# What works on Debian bookworm (GTK 4.8.3, libadwaita 1.2.2, at-spi2-core 2.46, dogtail
# 0.9.11), measured against this app and against widget-probe.py, which E2EHarnessTest keeps
# measuring with the same helpers the app tests use:
#
# The tree
#   - The app registers as "waymark" (its program name); its windows are its children:
#     AdwApplicationWindow, AdwAboutWindow and the shortcuts window are "frame",
#     AdwMessageDialog is "dialog" named by its heading, GtkFileChooserNative (no portal in
#     the private session) is a dialog window named by its title. A popover is no window:
#     its content hangs under the widget it points at (a GtkPopoverMenu is a "menu" of
#     "menu item"s under its GtkMenuButton).
#   - Widgets hidden with gtk_widget_set_visible (FALSE) are left out. Everything else is in:
#     the pages of a GtkStack/AdwViewStack not shown, closed popovers, the rows of a closed
#     AdwExpanderRow, the unused layout of an AdwSqueezer (AdwMessageDialog's buttons are
#     there twice), all with the same states as what is on screen.
#   - SHOWING is set on windows only: dogtail's `showing` and searchShowingOnly are useless.
#     Never-shown widgets report extents (0, 0, 0, 0); a page shown once keeps its old extents.
#     What tells is GTK's own hit test (Component.GetAccessibleAtPoint, gtk_widget_pick): on
#     screen means a hit at one of its points lands in it. It answers nothing over widgets
#     GTK does not export (the GtkText filling an entry), so an entry is judged by whether
#     its surroundings are on screen. find () skips the pages not shown (siblings sharing one
#     rectangle: the hit test says which is shown) and prefers what is on screen, so "Save"
#     is the Save button the user sees, not the one on the page behind; find_all (...,
#     prune=False) and dump () see everything.
#   - Extents are relative to the window (GTK warns "Screen coordinates not supported"),
#     which is the screen here: without a window manager Xvfb maps every window at (0, 0).
#     Inside a popover they are relative to the widget it points at, not to the popover: the
#     popover's real place comes from its X window (an override-redirect window of the same
#     size, found with Xlib through ctypes), so raw clicks into popovers work.
#   - Names: a button's name is its label property followed by its content's text, so many
#     come out doubled or with the mnemonic: "_Refer Refer" (AdwMessageDialog responses),
#     "C_hoose… Choose…", "Main menu Main menu" (the toggle inside a GtkMenuButton labelled
#     with wm_accessible_label_menu_button ()), a check named after its row "Trauma Trauma".
#     Matching here ignores case, underscores and such doubling. AdwEntryRow and
#     AdwPasswordEntryRow are "text" named by their title; GtkEntry is "text";
#     GtkSearchEntry "entry"; AdwComboRow and GtkDropDown "combo box"; GtkSwitch "check box";
#     AdwViewSwitcher buttons "page tab"; AdwExpanderRow a "list item" with its title.
#   - dogtail's `text` getter returns "" (it asks for GetText (0, -1)): use text_of (). GTK
#     4.8 hands out a password entry's text in clear over AT-SPI.
#   - The libatspi cache (set_cache_mask) is not kept current by GTK 4.8 (states and new
#     popover content never arrive), so every query is a D-Bus round trip of 0.2 to 1 ms
#     (more on a loaded machine); asking several at once is no faster, GTK answers one at a
#     time. A whole window after login is about 1,500 nodes and 2 to 4 calls each. Hence the
#     pruning above, roles asked once per node (they never change), a search that stops at
#     the first match nothing could beat, and: search in the smallest node that will do (a
#     dialog, an expander) as the app grows. libatspi's "dbind-WARNING ... GetItems ...
#     /org/a11y/atspi/cache" on stderr is GTK 4.8 having no cache object: harmless.
#
# Clicking
#   - Buttons, the toggle inside a GtkMenuButton, GtkPopoverMenu items, AdwViewSwitcher tabs
#     and GtkDropDown's button have the action "click": doActionNamed ('click') works on or off
#     screen, in popovers too. The GtkMenuButton wrapper itself has no action; find () takes
#     the node that has one.
#   - GtkSwitch has "toggle" (works). GtkCheckButton (alone or in a row), GtkListBoxRow,
#     AdwActionRow, AdwExpanderRow, AdwComboRow and GtkListView rows have NO action: a raw
#     click (XTest, Atspi.generate_mouse_event) where the hit test finds them is the way,
#     after scrolling them into view (scroll_into_view () sets the scroll bar's Value).
#   - Component.GrabFocus is not implemented (it raises), so dogtail's typeText () cannot
#     move the focus and types wherever it is; dogtail's click () clicks at the reported
#     position. A raw click on a field focuses it.
#
# Typing
#   - EditableText.SetTextContents (dogtail's `node.text = ...`) works on GtkEntry,
#     GtkSearchEntry, AdwEntryRow and AdwPasswordEntryRow and emits "changed" once (twice
#     when replacing text: "" then the new text); GtkSearchEntry's "search-changed" follows.
#     A spin button takes its Value (node.value = 5); setting its text does nothing.
#   - Raw typing (rawinput.typeText after a raw click) works too, one "changed" per key,
#     capitals and shifted symbols included: fill (typed=True), for where per-keystroke
#     behaviour is the point (search as you type, suggestions). fill () sets text otherwise.
#   - Keys (rawinput.pressKey/keyCombo) go to the focused window; GTK focuses each window it
#     presents, no window manager needed.
#
# Popovers, lists, dialogs
#   - GtkPopoverMenu items: their "click" (choose ()).
#   - AdwComboRow: a raw click opens it; Home, Down and Return pick the item (choose ()).
#     GtkDropDown: its inner button's "click" opens it, then the same keys.
#   - Suggestions under an entry (a GtkListBox in a popover): rows have no action. Down and
#     Return work when the entry handles them (the location row does; GTK alone would move
#     the focus to the next row), and a raw click at the popover's real place always does.
#   - AdwExpanderRow: a raw click on it opens it (expand ()).
#   - GtkListView/GtkColumnView rows: a raw click then Return, or a double click, activates.
#   - Dialogs: their buttons' "click" (respond ()); the file chooser's "Name:" entry takes a
#     whole path, then "Select".
#
# Crashes: GTK 4.8.3 can kill the app over AT-SPI. The application object's GetChildAtIndex
# (and GetChildren) lists every visible toplevel and builds its reference from its object
# path without checking it; a window that is closing is still listed after its accessible has
# been unregistered (path NULL): "GLib-CRITICAL g_variant_is_object_path: assertion 'string
# != NULL' failed", and the app is gone (libgtk-4.so.1.800.3 offset 0x3d30a3, in the root's
# method handler, next to the "GetChildAtIndex" and "GetApplication" strings). It happened
# about once in ten coordinator runs, right after answering an AdwMessageDialog, while the
# tests listed the app's windows to see it go. closed () asks the window itself instead, and
# the app's windows are listed only when one is expected to appear. parent_of () also never
# asks the Parent of a GtkStackPage it did not come down through (GTK's code returns the
# stack's reference there without realizing it). A screen reader can hit the same bugs. When
# the app dies anyway, the tests print the last children asked for, and
# WAYMARK_E2E_WRAPPER="gdb -batch -ex run -ex bt --args" (with G_DEBUG=fatal-criticals) puts
# a backtrace in the app's log.
#
# The environment (see run-e2e): GTK 4 exports its tree whenever the accessibility bus is
# reachable and neither NO_AT_BRIDGE nor GTK_A11Y (other than "atspi") is set; it never reads
# the toolkit-accessibility key. dogtail reads that key when its tree module is imported and
# exits, silently, when it is false: config.checkForA11y is turned off here, and run-e2e sets
# the key in its private dconf all the same. dogtail also replaces sys.excepthook with one that
# logs to its (silenced) logger: Python's own is put back below.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import collections
import ctypes
import ctypes.util
import datetime
import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import warnings

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

# atspi_action_get_name, its replacement, is hidden behind Accessible.get_name in Python.
warnings.filterwarnings("ignore", "Atspi.Action.get_action_name is deprecated")

from dogtail.config import config  # noqa: E402

config.checkForA11y = False    # GTK 4 does not need the key; see above
config.logDebugToFile = False
config.logDebugToStdOut = False  # stdout carries unittest's " ... ok" lines for tools/test
config.actionDelay = 0.1
config.typingDelay = 0.02
config.defaultDelay = 0.1

from dogtail import rawinput, tree  # noqa: E402

# dogtail's hook sends uncaught exceptions to its logger, which is off: put Python's back.
sys.excepthook = sys.__excepthook__

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.environ.get("WAYMARK_E2E_APP", os.path.join(HERE, "../../_build/src/gui/waymark"))
CLI = os.environ.get("WAYMARK_E2E_CLI", os.path.join(HERE, "../../_build/src/cli/waymark-cli"))
SCREENSHOTS = os.environ.get("WAYMARK_E2E_SCREENSHOTS",
                             os.path.join(HERE, "../../_build/e2e-screenshots"))
WORKDIR = os.environ.get("WAYMARK_E2E_WORKDIR", "/tmp")

# Seconds. Generous for a loaded CI machine; a step that is merely slow still passes.
TIMEOUT = 10           # one control to appear, become sensitive, change
START_TIMEOUT = 20     # the app to show its window
SLOW_TIMEOUT = 30      # key derivation, matching
PAUSE = 0.15           # between polls


class UI:
    """Every accessible name the tests use, in one place.

    A value is a string, a tuple of alternatives (the first one on screen wins) or a compiled
    regular expression (searched for). Strings match ignoring case, mnemonic underscores,
    extra spaces and GTK 4.8's doubled button names ("_Refer Refer" matches "Refer").
    Where a name comes from: the .ui or .c file named, as it was when these tests were
    written. To see what a page really exposes, run one test with WAYMARK_E2E_DUMP=1 (or let
    it fail): the tree is written to tree-<test>.txt in the work directory.
    """

    # The window (ui/wm-window.ui)
    TITLE = "Waymark"
    MAIN_MENU = "Main menu"
    MENU_ABOUT = "About Waymark"
    MENU_SHORTCUTS = "Keyboard Shortcuts"
    MENU_QUIT = "Quit"
    EMPTY_PAGE = "No database open"
    ABOUT_WINDOW = "About"
    ABOUT_NAME = "Waymark"
    CLOSE = "Close"

    # Welcome (ui/wm-welcome-page.ui, src/gui/wm-welcome-page.c)
    WELCOME = "Welcome to Waymark"
    CREATE_NEW_DATABASE = "Create a New Database"
    ORGANISATION = "Organisation Name"
    DATABASE_FILE = "Database File"
    CHOOSE_FILE = "Choose…"
    USERNAME = "Username"
    YOUR_NAME = "Your Name"
    PASSWORD = "Password"
    REPEAT_PASSWORD = "Repeat Password"
    CREATE_DATABASE = "Create Database"
    # GtkFileChooserNative falls back to a GtkFileChooserDialog without a portal.
    CHOOSER = "New Database File"
    CHOOSER_NAME = re.compile(r"^_?Name:?$")
    CHOOSER_ACCEPT = "Select"

    # The recovery key (ui/wm-recovery-key-page.ui)
    RECOVERY_KEY = re.compile(r"^([0-9a-f]{4} ){15}[0-9a-f]{4}$")
    KEY_STORED = "I have stored the recovery key safely"
    CONTINUE = "Continue"

    # Login (ui/wm-login-page.ui)
    LOG_IN = "Log In"
    WRONG_PASSWORD = "Wrong username or password"

    # The main view: not written yet; AdwViewSwitcher tabs are "page tab"s.
    CASES_TAB = "Cases"
    THERAPISTS_TAB = "Therapists"
    TAB_ROLES = ("page tab", "toggle button", "push button", "radio button")

    # Therapists (ui/wm-therapists-page.ui, ui/wm-therapist-editor.ui,
    # src/gui/wm-therapist-editor.c, ui/wm-location-row.ui)
    NEW_THERAPIST = "New Therapist"
    SEARCH_THERAPISTS = "Search therapists"
    GIVEN_NAME = "Given name"
    FAMILY_NAME = "Family name"
    TOWN = "Town"
    PRE_OFFENCE = "Pre-offence (at risk, not offended)"            # src/core/wm-vocab.c
    IN_PERSON = "Sees clients in person"
    REGISTRATION_EXPIRES = "Registration expires"
    INSURANCE_EXPIRES = "Insurance expires"
    DBS_CHECKED = "DBS check date"
    TRAINING_COMPLETED = "Specialist training completed"
    SAVE = "Save"

    # Cases (ui/wm-cases-page.ui), a case (ui/wm-case-view.ui, ui/wm-case-editor.ui,
    # src/gui/wm-case-view.c) and its matching (src/gui/wm-match-panel.c)
    NEW_ENQUIRY = "New Enquiry"
    SEARCH_CASES = "Search cases"
    CATEGORY = "Category"
    AT_RISK = "At risk, not offended"                               # src/core/wm-vocab.c
    REQUIRED_SPECIALISMS = "Required specialisms"
    CASE_REFERENCE = re.compile(r"\bWM-\d{4}-\d{4,}\b")
    ENQUIRY_SAVED = "Enquiry saved"
    CHANGE_STATUS = "Change Status"
    STATUS_DIALOG = re.compile(r"^Change Status to ")
    STATUS_CONFIRM = "Change Status"
    TRIAGE = "Triage"
    MATCHING = "Matching"
    REFERRED = "Referred"
    MATCHING_TAB = "Matching"
    REFER_TO = re.compile(r"^Refer to ")                 # + the therapist's name
    REFER_DIALOG = "Refer Client?"
    REFER_CONFIRM = "Refer"
    BACK_TO_CASES = "Back to Cases"

    # The map (ui/wm-map-view.ui, src/gui/wm-map-view.c, src/gui/wm-map-markers.c). The tests'
    # schemas turn online tiles off: the map draws the offline gazetteer's town names.
    MAP_TAB = "Map"
    MAP_SEARCH = "Go to a town"
    MAP_SPECIALISM = "Specialism"
    MAP_ACCEPTING_ONLY = "Accepting Only"
    MAP_TILES_OFF = "Online map tiles are off: showing town names"
    MAP_THERAPIST = re.compile(r"^Therapist: ")         # + "name, 1 place free"
    MAP_COUNT = re.compile(r"^(\d+) therapists?$")

    # Locking and logging in again (ui/wm-window.ui, ui/wm-login-page.ui)
    LOCK = "Lock"
    CHOOSE_ANOTHER = "Choose Another…"

    # Preferences and its Users page (src/gui/wm-window.c, ui/wm-preferences-window.ui,
    # ui/wm-users-page.ui, src/gui/wm-users-page.c); Preferences, the Add User form and the
    # password dialog are all titled "Waymark", so each is told by when it appeared.
    MENU_PREFERENCES = "Preferences"
    USERS_TAB = "Users"
    ADD_USER = "Add User…"
    ADD_USER_TITLE = "Add User"
    NEW_USERNAME = "Username"
    DISPLAY_NAME = "Display name"
    ROLE = "Role"
    ROLE_THERAPIST = "Therapist"                                   # src/core/wm-vocab.c
    ROLE_COORDINATOR = "Coordinator"
    THERAPIST_RECORD = "Therapist record"
    INITIAL_PASSWORD = "Password"
    REPEAT_INITIAL_PASSWORD = "Repeat password"
    MUST_CHANGE = "Must change password at first login"
    ADD = "Add"
    MUST_CHANGE_STATE = "Must change password"

    # The forced password change at first login (ui/wm-password-dialog.ui,
    # src/gui/wm-password-dialog.c)
    CHOOSE_OWN_PASSWORD = "Choose Your Own Password"
    TEMPORARY_PASSWORD = "Temporary password"
    NEW_PASSWORD = "New password"
    REPEAT_NEW_PASSWORD = "Repeat new password"
    CHANGE = "Change"
    CANCEL = "Cancel"

    # A therapist's own view (src/gui/wm-main-view.c, src/gui/wm-my-cases-page.c,
    # src/gui/wm-referral-actions.c)
    TO_CONTACT = "To Contact"
    ACCEPT = "Accept"
    DECLINE = "Decline…"
    ACCEPTED = re.compile(r"^Accepted · referred on ")


# Roles as AT-SPI names them.
BUTTONS = ("push button", "toggle button", "menu item", "page tab", "link", "radio button")
ENTRIES = ("text", "entry", "password text", "spin button")
CHECKS = ("check box", "toggle button", "radio button", "check menu item", "radio menu item")
MENU_ITEMS = ("menu item", "check menu item", "radio menu item")
ROWS = ("list item", "table row", "table cell", "tree item")
WINDOWS = ("frame", "dialog", "alert", "window", "file chooser")


_T0 = time.monotonic()


def log(message):
    # stderr: stdout is unittest's, and a line in the middle of "test ... ok" breaks counting.
    print("# %6.1f %s" % (time.monotonic() - _T0, message), file=sys.stderr, flush=True)


# --- Reading the tree -------------------------------------------------------------------------

def _norm(text):
    text = " ".join((text or "").replace("_", "").split()).casefold()
    half = len(text) // 2
    if len(text) % 2 == 1 and text[half] == " " and text[:half] == text[half + 1:]:
        text = text[:half]
    return text


def name_matches(name, wanted):
    if wanted is None:
        return True
    if isinstance(wanted, (tuple, list)):
        return any(name_matches(name, w) for w in wanted)
    if isinstance(wanted, re.Pattern):
        return bool(wanted.search(name or "")) or bool(wanted.search(_norm(name)))
    return _norm(name) == _norm(wanted)


def describe(wanted):
    if isinstance(wanted, (tuple, list)):
        return " or ".join(describe(w) for w in wanted)
    if isinstance(wanted, re.Pattern):
        return "/%s/" % wanted.pattern
    return repr(wanted)


# Every query is a D-Bus round trip to the app. A node's role never changes, so it is asked
# once; its parent is asked once per search (_fresh () forgets them), since widgets can move.
_roles = {}
_parents = {}
# Nodes reached from their parent (children_of): see parent_of.
_reached = set()


def _fresh():
    _parents.clear()
    if len(_roles) > 100000:
        _roles.clear()
        _names.clear()
    if len(_reached) > 100000:
        _reached.clear()


def role_of(node):
    role = _roles.get(node)
    if role is None:
        try:
            role = node.get_role_name()
        except GLib.Error:
            return ""
        _roles[node] = role
    return role


_names = {}    # the name each node had when last asked: for the report when the app dies


def name_of(node):
    try:
        name = node.get_name() or ""
    except GLib.Error:
        return ""
    _names[node] = name
    return name


# The last children asked for, (parent, index): shown when the app dies under the tests.
_last_asked = collections.deque(maxlen=12)


def children_of(node):
    try:
        n = node.get_child_count()
    except GLib.Error:
        return []
    kids = []
    for i in range(n):
        _last_asked.append((node, i))
        try:
            child = node.get_child_at_index(i)
        except GLib.Error:
            child = None
        if child is not None:
            kids.append(child)
            _reached.add(child)
    return kids


# Roles whose children never matter to a search (an icon, a label's text), left unvisited.
LEAVES = ("label", "image", "separator", "scroll bar", "level bar", "progress bar",
          "check box", "radio button", "icon")


def walk(root, prune=False):
    """Depth first, in the tree's order (see _walk)."""
    return (node for node, _ in _walk(root, prune))


def _walk(root, prune=False):
    """(node, its role), depth first, in the tree's order. With prune, what cannot be on
    screen is skipped (see _shown_children), and so are the insides of labels, icons and
    check boxes: most of a window is pages not shown, and every D-Bus call costs."""
    if not prune:
        stack = [root]
        while stack:
            node = stack.pop()
            yield node, role_of(node)
            stack.extend(reversed(children_of(node)))
        return
    # Each node with its window, for the hit tests (none above the windows).
    top = None if role_of(root) in ("application", "desktop frame") else toplevel_of(root)
    stack = [(root, top)]
    while stack:
        node, top = stack.pop()
        role = role_of(node)
        yield node, role
        if role in LEAVES:
            continue
        if top is None:
            kids = [(c, c if role_of(c) in WINDOWS else None) for c in children_of(node)]
        else:
            kids = [(c, top) for c in _shown_children(node, top)]
        stack.extend(reversed(kids))


def _shown_children(node, top):
    """node's children less those never shown (extents 0; a GtkStackPage, which has none of
    its own, counts its child's) and, where children share one rectangle (the pages of a
    GtkStack, AdwViewStack or AdwLeaflet), less all but the one GTK's hit test lands in.
    Undecided (nothing exported where it looks), all stay."""
    kids = children_of(node)
    if len(kids) < 2 or top is None:
        return kids        # an only child is kept, whatever it is: it costs no more to look
    kept = []
    by_rect = {}
    for child in kids:
        rect = extents_of(child)
        if (rect[2] <= 0 or rect[3] <= 0) and name_of(child) == "GtkStackPage":
            # Not a widget, no extents of its own: the page's child has them.
            inner = children_of(child)
            rect = extents_of(inner[0]) if len(inner) == 1 else rect
        if rect[2] > 0 and rect[3] > 0:
            kept.append(child)
            by_rect.setdefault(rect, []).append(child)
    hidden = set()
    for rect, members in by_rect.items():
        if len(members) < 2:
            continue
        shown = None
        for point in _rect_points(rect):
            hit = _hit(top, point)
            while hit is not None and hit != node and hit not in members:
                if role_of(hit) == "application":
                    hit = None
                    break
                hit = parent_of(hit)
            if hit is not None and hit != node:
                shown = hit
                break
        if shown is not None:
            hidden.update(m for m in members if m != shown)
    return [k for k in kept if k not in hidden]


def states_of(node):
    try:
        states = node.get_state_set().get_states()
    except GLib.Error:
        return set()
    return {Atspi.StateType(s).value_nick for s in states}


def is_sensitive(node):
    return "sensitive" in states_of(node)


def is_checked(node):
    return bool(states_of(node) & {"checked", "pressed"})


def actions_of(node):
    try:
        return [Atspi.Action.get_action_name(node, i) for i in range(node.get_n_actions())]
    except GLib.Error:
        return []


def do_action(node, name):
    actions = actions_of(node)
    if name not in actions:
        raise AssertionError("%s has no action %r (it has %s)" % (node_str(node), name, actions))
    Atspi.Action.do_action(node, actions.index(name))


def extents_of(node):
    try:
        e = node.get_extents(Atspi.CoordType.WINDOW)
    except GLib.Error:
        return (0, 0, 0, 0)
    return (e.x, e.y, e.width, e.height)


def text_of(node):
    """The text of an entry or label (dogtail's `text` is always empty on GTK 4.8)."""
    try:
        return node.get_text(0, node.get_character_count())
    except (GLib.Error, NotImplementedError):
        return name_of(node)


def node_str(node):
    return "[%s | %s]" % (role_of(node), name_of(node))


def parent_of(node):
    """node's parent; None at the top, or where asking could crash the app: GTK 4.8 answers
    the Parent of a GtkStackPage (a "panel" without extents) without realizing the GtkStack's
    accessible, and an unrealized one ends in g_variant_new_object_path (NULL) and a crash.
    So a page is asked only if it was reached from its stack (which realizes the stack),
    never when climbing from a hit test into a stack nobody has looked into yet."""
    if node in _parents:
        return _parents[node]
    if node not in _reached and role_of(node) == "panel" and extents_of(node)[2:] == (0, 0):
        return None
    try:
        parent = node.get_parent()
    except GLib.Error:
        return None
    _parents[node] = parent
    return parent


def toplevel_of(node):
    while node is not None:
        parent = parent_of(node)
        if parent is None or role_of(parent) == "application":
            return node
        node = parent
    return None


def ancestors_of(node):
    """node's ancestors, nearest first, up to its window."""
    chain = []
    node = parent_of(node)
    while node is not None and role_of(node) != "application":
        chain.append(node)
        node = parent_of(node)
    return chain


def is_inside(node, ancestor, stop=()):
    """node is ancestor or under it. stop: nodes known not to be under it (ancestor's own
    ancestors), where the climb can end early."""
    while node is not None:
        if node == ancestor:
            return True
        if node in stop or role_of(node) == "application":
            return False
        node = parent_of(node)
    return False


def _rect_points(rect):
    """Where to probe a rectangle: its centre, then the middle of each edge just inside it,
    then a quarter in. A centre may be a widget GTK does not export (the GtkText filling an
    entry), where hit tests come back empty; corners may be outside a rounded border."""
    x, y, w, h = rect
    if w <= 0 or h <= 0:
        return []
    ix, iy = min(3, w // 2), min(3, h // 2)
    return [(x + w // 2, y + h // 2), (x + ix, y + h // 2), (x + w - 1 - ix, y + h // 2),
            (x + w // 2, y + iy), (x + w // 2, y + h - 1 - iy), (x + w // 4, y + h // 2)]


def _points(node):
    return _rect_points(extents_of(node))


def _hit(component, point):
    try:
        return component.get_accessible_at_point(point[0], point[1], Atspi.CoordType.WINDOW)
    except GLib.Error:
        return None


def _clips(chain):
    """The rectangles a node is seen through: its scrolled views and its window."""
    return [extents_of(a) for a in chain if role_of(a) in ("scroll pane", "viewport") + WINDOWS]


def _within(point, clips):
    return all(x <= point[0] < x + w and y <= point[1] < y + h for x, y, w, h in clips)


class _X11:
    """Just enough Xlib (through ctypes) to find where a popover is on the screen: GTK 4.8
    reports a popover's content relative to the widget the popover points at, not to the
    popover's own surface (an override-redirect window of the popover's size)."""

    class Attributes(ctypes.Structure):
        _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                    ("height", ctypes.c_int), ("border_width", ctypes.c_int),
                    ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                    ("root", ctypes.c_ulong), ("class_", ctypes.c_int),
                    ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
                    ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                    ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
                    ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
                    ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                    ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                    ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]

    lib = None
    display = None

    @classmethod
    def popups(cls):
        """(x, y, width, height) of each mapped override-redirect window."""
        if cls.lib is None:
            lib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
            lib.XOpenDisplay.restype = ctypes.c_void_p
            lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
            lib.XDefaultRootWindow.restype = ctypes.c_ulong
            lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
            lib.XQueryTree.argtypes = [
                ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                ctypes.POINTER(ctypes.c_uint)]
            lib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                                 ctypes.POINTER(cls.Attributes)]
            lib.XFree.argtypes = [ctypes.c_void_p]
            cls.display = lib.XOpenDisplay(None)
            cls.lib = lib
        if not cls.display:
            return []
        lib = cls.lib
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not lib.XQueryTree(cls.display, lib.XDefaultRootWindow(cls.display),
                              ctypes.byref(root), ctypes.byref(parent), ctypes.byref(kids),
                              ctypes.byref(n)):
            return []
        found = []
        for i in range(n.value):
            a = cls.Attributes()
            if lib.XGetWindowAttributes(cls.display, kids[i], ctypes.byref(a)) \
               and a.map_state == 2 and a.override_redirect:      # IsViewable
                found.append((a.x, a.y, a.width, a.height))
        if kids:
            lib.XFree(kids)
        return found


def popover_of(node):
    """(popover node, its surface's screen origin) when node is inside an open popover; the
    popover is the nearest ancestor whose size is that of a popup window on screen."""
    popups = _X11.popups()
    if not popups:
        return None
    ancestor = node
    while ancestor is not None and role_of(ancestor) not in WINDOWS + ("application",):
        x, y, w, h = extents_of(ancestor)
        matches = [p for p in popups if (p[2], p[3]) == (w, h)]
        # Unnamed, GTK 4.8 names a popover by its type: GtkPopover, GtkPopoverMenu.
        if matches and ("popover" in name_of(ancestor).lower()
                        or role_of(ancestor) in ("menu", "popup menu")):
            return ancestor, matches[0][:2]
        ancestor = parent_of(ancestor)
    return None


def screen_point(node, point):
    """Where a point of node's reported coordinates is on the screen."""
    found = popover_of(node)
    if found is None:
        return point
    popover, (sx, sy) = found
    px, py, _, _ = extents_of(popover)
    return (sx + point[0] - px, sy + point[1] - py)


def _seen(node, chain=None):
    """Asks the window's hit test (gtk_widget_pick) about node's points inside its scrolled
    views: a point that lands in node (it is on screen there); False when every answer lands
    elsewhere (a page not shown, whose old extents lie under the page shown); None when
    nothing answers (node is covered by a widget GTK does not export, like the GtkText
    filling an entry, or is scrolled out of view). chain: ancestors_of (node), if known."""
    chain = ancestors_of(node) if chain is None else chain
    if not chain:
        return False
    top, clips, stop = chain[-1], _clips(chain), set(chain)
    answered = False
    for point in _points(node):
        if not _within(point, clips):
            continue
        hit = _hit(top, point)
        if hit is None:
            continue
        if is_inside(hit, node, stop):
            return point
        answered = True
    return False if answered else None


def _shown(node, chain=None):
    """On a page that is shown, though perhaps scrolled out of view: the nearest of node and
    its ancestors that the hit test can tell about says so."""
    chain = ancestors_of(node) if chain is None else chain
    nodes = [node] + chain
    for i, n in enumerate(nodes[:-1]):          # the window itself is shown
        seen = _seen(n, nodes[i + 1:])
        if seen is False:
            return False
        if seen:
            return True
    return True


def click_point(node):
    """A point where the user sees node, or None."""
    chain = ancestors_of(node)
    seen = _seen(node, chain)
    if seen:
        return seen
    if seen is None and chain:
        clips = _clips(chain)
        inside = [p for p in _points(node) if _within(p, clips)]
        if inside and _shown(chain[0], chain[1:]):
            return inside[0]
    return None


def on_screen(node):
    """The user can see it (see click_point)."""
    return click_point(node) is not None


def mapped(node):
    """Asked about a point of its own, an unmapped widget (a page not shown, a closed popover)
    answers nothing; used inside popovers, where the window's hit test does not reach."""
    return any(_hit(node, point) is not None for point in _points(node))


def _visibility(node):
    """2: on screen; 1: on a page shown but scrolled out of view; 0: not shown (a page that
    was shown once keeps its old extents); -1: never shown (extents 0)."""
    x, y, w, h = extents_of(node)
    if w <= 0 or h <= 0:
        return -1
    if on_screen(node):
        return 2
    return 1 if _shown(node) else 0


def find_all(root, name=None, roles=None, predicate=None, prune=True):
    """Nodes under root (root included) by name, role and predicate, in the tree's order;
    with prune, only those that can be on screen (see walk)."""
    found = []
    for node, role in _walk(root, prune):
        if roles is not None and role not in roles:
            continue
        if name is not None and not name_matches(name_of(node), name):
            continue
        if predicate is not None and not predicate(node):
            continue
        found.append(node)
    return found


ACTIONS = ("click", "activate", "press", "toggle")


def _alternative(name, wanted):
    """Which of a tuple of alternatives a name matches (0 for anything else)."""
    if isinstance(wanted, (tuple, list)):
        return next((i for i, w in enumerate(wanted) if name_matches(name, w)), len(wanted))
    return 0


def _rank(node, index, wanted):
    return (-_visibility(node), _alternative(name_of(node), wanted),
            0 if set(actions_of(node)) & set(ACTIONS) else 1, index)


def best(candidates, wanted=None):
    """The candidate the user would mean: on screen first, then scrolled out of a visible
    view, then anything ever shown; among those the earlier alternative name, then one that
    can be pressed (a GtkMenuButton's toggle rather than its wrapper), then the first in the
    tree's order."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return min(((_rank(n, i, wanted), n) for i, n in enumerate(candidates)),
               key=lambda t: t[0])[1]


def _find_once(root, name, roles, predicate):
    """best () of the matches, stopping at the first that nothing could beat (on screen, the
    first alternative, pressable or not a button): a whole window is a second or more of
    D-Bus calls, and what the user looks for is usually on screen."""
    candidates = []
    for node, role in _walk(root, True):
        if roles is not None and role not in roles:
            continue
        if name is not None and not name_matches(name_of(node), name):
            continue
        if predicate is not None and not predicate(node):
            continue
        rank = _rank(node, len(candidates), name)
        if rank[:3] == (-2, 0, 0) or (rank[:2] == (-2, 0) and role not in BUTTONS):
            return node
        candidates.append((rank, node))
    return min(candidates, key=lambda t: t[0])[1] if candidates else None


def wait_for(what, fn, timeout=TIMEOUT):
    """Polls fn until it returns something true; AT-SPI errors (a widget going away while it
    is read) count as not yet."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        _fresh()
        try:
            result = fn()
            if result:
                return result
        except GLib.Error as e:
            last = e
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %gs waiting for %s%s"
                                 % (timeout, what, " (%s)" % last if last else ""))
        time.sleep(PAUSE)


def find(root, name=None, roles=None, timeout=TIMEOUT, predicate=None, what=None):
    """The node named `name` with one of `roles` under root, waiting up to timeout."""
    what = what or "%s %s" % ("/".join(roles) if roles else "node", describe(name))
    return wait_for(what, lambda: _find_once(root, name, roles, predicate), timeout)


def exists(root, name=None, roles=None, timeout=0, predicate=None):
    try:
        return find(root, name, roles, timeout, predicate)
    except AssertionError:
        return None


def find_label(root, text, timeout=TIMEOUT):
    return find(root, text, ("label", "heading", "static"), timeout)


def dump(root, path):
    with open(path, "w", encoding="utf-8") as f:
        depth = {root: 0}
        for node in walk(root):
            d = depth.get(node, 0)
            for c in children_of(node):
                depth[c] = d + 1
            f.write("%s[%s | %s] %s %s %s\n" % (
                "  " * d, role_of(node), name_of(node), extents_of(node),
                ",".join(sorted(states_of(node) - {"visible", "sensitive", "enabled"})),
                ",".join(actions_of(node))))


# --- Acting on it ------------------------------------------------------------------------------

def scroll_into_view(node):
    """Scrolls the enclosing scrolled views until node is on screen (for a raw click)."""
    if on_screen(node):
        return True
    pane = parent_of(node)
    while pane is not None and role_of(pane) != "application":
        if role_of(pane) == "scroll pane":
            bar = next((c for c in children_of(pane)
                        if role_of(c) == "scroll bar" and "vertical" in states_of(c)), None)
            value = next((n for n in walk(bar) if "Value" in n.get_interfaces()), None) \
                if bar is not None else None
            if value is not None:
                px, py, pw, ph = extents_of(pane)
                x, y, w, h = extents_of(node)
                target = value.get_current_value() + (y + h / 2) - (py + ph / 2)
                target = max(value.get_minimum_value(), min(value.get_maximum_value(), target))
                value.set_current_value(target)
                time.sleep(0.3)
                if on_screen(node):
                    return True
        pane = parent_of(pane)
    return on_screen(node)


def raw_click(node, double=False):
    """A real pointer click (XTest) where the user sees node: for controls without an action.
    Inside an open popover, where hit tests do not reach, at its centre, moved to the
    popover's real place."""
    _fresh()
    if popover_of(node) is not None:
        x, y, w, h = extents_of(node)
        point = screen_point(node, (x + w // 2, y + h // 2)) if mapped(node) else None
    else:
        point = click_point(node) if scroll_into_view(node) else None
    if point is None:
        raise AssertionError("%s is not on screen, so it cannot be clicked" % node_str(node))
    x, y = point
    Atspi.generate_mouse_event(x, y, "b1d" if double else "b1c")
    time.sleep(0.2)


def activate(node):
    """What a click on it does, through its action where it has one."""
    actions = actions_of(node)
    for action in ACTIONS:
        if action in actions:
            do_action(node, action)
            time.sleep(0.1)
            return
    raw_click(node)


def press(root, name, roles=BUTTONS, timeout=TIMEOUT):
    """Finds a button (menu item, tab, ...) by name, waits until it is sensitive, presses it."""
    node = find(root, name, roles, timeout)
    wait_for("%s to become sensitive" % node_str(node), lambda: is_sensitive(node), timeout)
    log("press %s" % node_str(node))
    activate(node)
    return node


def keys(*names):
    """Presses keys in the focused window: "Return", "Down", "<Control>a", "Escape"."""
    for k in names:
        if k.startswith("<"):
            rawinput.keyCombo(k)
        else:
            rawinput.pressKey(k)
        time.sleep(0.05)


def fill(root, name, text, typed=False, timeout=TIMEOUT):
    """Puts text in the entry named `name`: set through EditableText (one "changed"), or with
    typed=True clicked and typed key by key (one "changed" per key)."""
    node = find(root, name, ENTRIES, timeout)
    wait_for("%s to become sensitive" % node_str(node), lambda: is_sensitive(node), timeout)
    log("fill %s%s" % (node_str(node), " (typed)" if typed else ""))
    if role_of(node) == "spin button" and not typed:
        node.set_current_value(float(text))
        return node
    if typed:
        raw_click(node)
        keys("<Control>a", "Delete")
        rawinput.typeText(text)
    else:
        node.set_text_contents(text)
    wait_for("%s to read %r" % (node_str(node), text), lambda: text_of(node) == text, timeout)
    return node


def set_check(root, name, value=True, timeout=TIMEOUT):
    """Sets a check button, switch or toggle to value."""
    node = find(root, name, CHECKS, timeout)
    wait_for("%s to become sensitive" % node_str(node), lambda: is_sensitive(node), timeout)
    if is_checked(node) != value:
        log("toggle %s" % node_str(node))
        actions = actions_of(node)
        if "toggle" in actions:
            do_action(node, "toggle")
        elif "click" in actions:
            do_action(node, "click")
        else:
            raw_click(node)
        wait_for("%s to be %s" % (node_str(node), "checked" if value else "unchecked"),
                 lambda: is_checked(node) == value, timeout)
    return node


def _list_of(node):
    """The list a row label belongs to, and the row: (list, row) or None."""
    item = node
    while item is not None and role_of(item) not in ROWS:
        if role_of(item) in WINDOWS + ("application",):
            return None
        item = parent_of(item)
    lst = parent_of(item) if item is not None else None
    while lst is not None and role_of(lst) not in ("list", "list box", "table", "tree", "menu"):
        if role_of(lst) in WINDOWS + ("application",):
            return None
        item, lst = lst, parent_of(lst)
    return (lst, item) if lst is not None else None


def choose(root, name, option, roles=("combo box", "push button", "toggle button"),
           timeout=TIMEOUT):
    """Picks option from a combo row, drop-down or menu button named `name`: a menu item by
    its action, a list item with the keyboard (Home, Down..., Return)."""
    control = find(root, name, roles, timeout)
    log("choose %r in %s" % (option, node_str(control)))
    opener = control
    if "click" not in actions_of(control):
        opener = next((n for n in walk(control) if "click" in actions_of(n)
                       and role_of(n) in ("push button", "toggle button")), control)
    activate(opener)

    started = time.monotonic()

    def offered():
        # The popover hangs under the control (or, for a GtkMenuButton's toggle, under its
        # wrapper); the whole window is searched only when that fails for a while.
        scopes = [control, parent_of(control)]
        if time.monotonic() - started > 2:
            scopes.append(toplevel_of(control))
        for scope in scopes:
            items = find_all(scope, option, MENU_ITEMS)
            if items:
                return ("menu", best(items))
            # The longest list holding the option: a combo row also shows its current value
            # in a one-row list of its own.
            lists = [found for found in map(_list_of, find_all(scope, option, ("label",) + ROWS))
                     if found is not None]
            if lists:
                return ("list", max(lists, key=lambda found: len(children_of(found[0]))))
        return None

    kind, found = wait_for("the option %s" % describe(option), offered, timeout)
    if kind == "menu":
        activate(found)
    else:
        lst, item = found
        rows = [c for c in children_of(lst) if role_of(c) in ROWS] or children_of(lst)
        keys("Home", *(["Down"] * rows.index(item)), "Return")
    time.sleep(0.3)


def pick_suggestion(root, entry_name, text, suggestion, how="keys", timeout=TIMEOUT):
    """Types text into an entry the way a user does and takes a suggestion from the list that
    opens under it: with how="keys" by Down (once per row) and Return, as the location row
    offers a keyboard user; with how="click" by a pointer click where the row really is.
    The suggestion nearest the entry wins when the name is on other pages too."""
    entry = fill(root, entry_name, text, typed=True, timeout=timeout)

    def offered():
        scope = entry
        while scope is not None and role_of(scope) != "application":
            nodes = [n for n in find_all(scope, suggestion, ("label",) + ROWS + MENU_ITEMS)
                     if n != entry and popover_of(n) is not None]
            if nodes:
                return nodes
            scope = parent_of(scope)
        return None

    node = wait_for("the suggestion %s" % describe(suggestion), offered, timeout)[0]
    log("pick suggestion %s (%s)" % (node_str(node), how))
    row = node if role_of(node) in ROWS + MENU_ITEMS else parent_of(node)
    if set(actions_of(row)) & {"click", "activate"}:
        activate(row)
    elif how == "keys":
        found = _list_of(node)
        index = 0
        if found is not None:
            rows = [c for c in children_of(found[0]) if role_of(c) in ROWS]
            index = rows.index(found[1]) if found[1] in rows else 0
        keys(*(["Down"] * (index + 1)), "Return")
    else:
        raw_click(node)
    wait_for("the suggestions to close", lambda: popover_of(node) is None, timeout)
    return entry


def expand(root, name, timeout=TIMEOUT):
    """Opens an expander row (AdwExpanderRow: in GTK 4.8 a "list item" with no action and no
    expanded state; its rows stay in the tree while it is closed) with a click on it unless
    its rows are shown already, and returns the node holding its rows, to search in: the same
    names may be under another expander too."""
    header = find(root, name, ROWS, timeout)
    expander = parent_of(header)
    for _ in range(3):
        if expander is None:
            break
        rows = [n for n in find_all(expander, None, ROWS, prune=False) if n != header]
        if rows:
            break
        expander = parent_of(expander)
    else:
        rows = []
    if not rows:
        raise AssertionError("%s has no rows" % node_str(header))
    if not any(_visibility(r) >= 1 for r in rows):
        log("expand %s" % node_str(header))
        raw_click(header)
        wait_for("%s to open" % node_str(header),
                 lambda: any(_visibility(r) >= 1 for r in rows), timeout)
    return expander


def closed(window_node):
    """Whether a window has gone, asked of the window itself. Never by listing the app's
    windows while one is closing: GTK 4.8 answers GetChildAtIndex on the application with a
    window it has already unregistered but still lists, builds an object path from NULL and
    the app dies (g_variant_is_object_path: assertion 'string != NULL', seen after answering
    an AdwMessageDialog)."""
    try:
        states = window_node.get_state_set()
    except GLib.Error:
        return True
    return states.contains(Atspi.StateType.DEFUNCT) or not states.get_states()


def wait_closed(window_node, timeout=TIMEOUT):
    wait_for("%s to close" % node_str(window_node), lambda: closed(window_node), timeout)
    time.sleep(0.3)   # and let GTK drop it from its list of windows before anyone lists them


def respond(app_node, heading, response, timeout=TIMEOUT):
    """Answers a dialog (an AdwMessageDialog is a "dialog" named by its heading) and waits for
    it to close."""
    dialog = window(app_node, heading, ("dialog", "alert", "frame"), timeout)
    press(dialog, response, timeout=timeout)
    wait_closed(dialog, timeout)


def activate_row(root, name, until=None, timeout=TIMEOUT):
    """Opens a list row (by its text or a label in it), as a click and then Enter would."""
    node = find(root, name, ("label",) + ROWS, timeout)
    row = node
    while row is not None and role_of(row) not in ROWS:
        row = parent_of(row)
    row = row or node
    log("activate row %s" % node_str(node))
    if set(actions_of(row)) & {"click", "activate"}:
        activate(row)
    else:
        raw_click(node)
        if until is None or not exists_within(until, 1.0):
            keys("Return")
    if until is not None:
        wait_for("the row's page", until, timeout)
    return row


def exists_within(fn, seconds):
    try:
        return wait_for("", fn, seconds)
    except AssertionError:
        return None


def window(app_node, name, roles=WINDOWS, timeout=TIMEOUT):
    """A toplevel of the app (a window or a dialog) by name."""
    return wait_for("window %s" % describe(name),
                    lambda: next((w for w in children_of(app_node)
                                  if role_of(w) in roles and name_matches(name_of(w), name)),
                                 None), timeout)


_shots = [0]


def screenshot(name):
    _shots[0] += 1
    path = os.path.join(SCREENSHOTS, "%02d-%s.png" % (_shots[0], name))
    time.sleep(0.2)   # let the frame be drawn
    try:
        subprocess.run(["import", "-window", "root", path], timeout=20, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log("screenshot %s" % path)
    except (OSError, subprocess.SubprocessError) as e:
        log("screenshot %s failed: %s" % (path, e))
    return path


# --- The app -----------------------------------------------------------------------------------

class Process:
    """An app under test: started, found in the accessibility tree by its process id (a
    previous instance can linger in the registry for a moment), stopped."""

    counter = 0

    def __init__(self, argv, app_name):
        Process.counter += 1
        self.argv = argv
        self.app_name = app_name
        self.log_path = os.path.join(WORKDIR, "%s-%d.log" % (app_name, Process.counter))
        self.proc = None
        self.node = None

    def start(self, timeout=START_TIMEOUT):
        started = time.monotonic()
        # WAYMARK_E2E_WRAPPER runs the app under a debugger or checker, e.g.
        # "gdb -batch -ex run -ex bt --args" (the backtrace lands in the app's log).
        wrapper = os.environ.get("WAYMARK_E2E_WRAPPER", "").split()
        with open(self.log_path, "w") as out:
            self.proc = subprocess.Popen(wrapper + self.argv, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT, cwd=WORKDIR)

        def ours(pid):
            # The app itself, or the app a wrapper started.
            if pid == self.proc.pid:
                return True
            try:
                with open("/proc/%d/stat" % pid) as f:
                    return int(f.read().rsplit(")", 1)[1].split()[1]) == self.proc.pid
            except (OSError, ValueError, IndexError):
                return False

        def registered():
            if self.proc.poll() is not None:
                raise AssertionError("%s exited with %d at start; its log:\n%s"
                                     % (self.app_name, self.proc.returncode, self.log_tail()))
            for app in children_of(tree.root):
                if name_of(app) == self.app_name and ours(app.get_process_id()) \
                   and any(role_of(w) in WINDOWS for w in children_of(app)):
                    return app
            return None

        self.node = wait_for("%s in the accessibility tree" % self.app_name, registered, timeout)
        log("%s up in %.2fs" % (self.app_name, time.monotonic() - started))
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s did not exit within %gs" % (self.app_name, timeout))

    def stop(self):
        if self.running():
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    @property
    def window(self):
        return window(self.node, None, ("frame",))


def requires(name, roles=BUTTONS, seconds=5):
    """Skips the test while the app has no control `name` (a page not landed yet); the check
    runs once the app is up, so the test starts running by itself when the page lands."""
    def decorator(test):
        @functools.wraps(test)
        def wrapper(self, *args, **kwargs):
            if not exists(self.app.node, name, roles, timeout=seconds):
                raise unittest.SkipTest("no %s %s in the app yet" % ("/".join(roles),
                                                                      describe(name)))
            return test(self, *args, **kwargs)
        return wrapper
    return decorator


class E2ETestCase(unittest.TestCase):
    """Each test gets a fresh app, and a time limit of its own so a hang fails here with a
    traceback rather than as run-e2e's overall timeout."""

    time_limit = 60
    argv = None
    app_name = "waymark"

    def setUp(self):
        def expired(signum, frame):
            raise TimeoutError("the test took longer than %ds" % self.time_limit)

        signal.signal(signal.SIGALRM, expired)
        signal.alarm(self.time_limit)
        self.started = time.monotonic()
        self.app = Process(self.argv or [APP], self.app_name)
        self.addCleanup(self.app.stop)
        self.app.start()

    def tearDown(self):
        signal.alarm(0)
        log("%s: %.1fs" % (self._testMethodName, time.monotonic() - self.started))
        if self._failed():
            screenshot("failed-" + self._testMethodName)
            if not self.app.running():
                log("%s is gone: exit status %s; the last children asked for, last last:"
                    "\n  %s" % (
                        self.app.app_name, self.app.proc.returncode,
                        "\n  ".join("child %d of [%s | %s] %s" % (
                                         i, _roles.get(n, "?"), _names.get(n, "?"),
                                         getattr(n, "path", "?"))
                                     for n, i in _last_asked)))
            if self.app.running():
                try:
                    path = os.path.join(WORKDIR, "tree-%s.txt" % self._testMethodName)
                    dump(self.app.node, path)
                    log("tree in %s" % path)
                except GLib.Error:
                    pass
            log("app log:\n" + self.app.log_tail())
        elif os.environ.get("WAYMARK_E2E_DUMP") and self.app.running():
            dump(self.app.node, os.path.join(WORKDIR, "tree-%s.txt" % self._testMethodName))

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        if getattr(outcome, "errors", None):                 # Python < 3.11
            return any(exc for _, exc in outcome.errors)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        return any(t is self for t, _ in result.failures + result.errors)


# --- The tests ---------------------------------------------------------------------------------

class E2EHarnessTest(E2ETestCase):
    """The helpers against real GTK 4.8 / libadwaita 1.2 widgets (widget-probe.py, built like
    the app's pages), so they are known to work before a page relies on them."""

    app_name = "waymark-probe"
    argv = ["/usr/bin/python3", os.path.join(HERE, "widget-probe.py")]

    def setUp(self):
        super().setUp()
        self.seen = 0
        self.expect("ready")

    def events(self):
        with open(self.app.log_path, errors="replace") as f:
            return [line[6:].rstrip("\n") for line in f if line.startswith("EVENT ")]

    def expect(self, *wanted):
        """Waits for these events, in this order, after those already seen; returns all the
        new ones."""
        def arrived():
            new = self.events()[self.seen:]
            it = iter(new)
            return all(any(e == w for e in it) for w in wanted) and new
        new = wait_for("events %s" % (wanted,), arrived)
        self.seen += len(new)
        return new

    def test_entries(self):
        win = self.app.window
        fill(win, "Given Name", "Alice")                      # EditableText: one "changed"
        self.assertEqual(self.expect("given Alice"), ["given Alice"])
        fill(win, "given name", "Bob")                        # replacing: "" then the text
        self.assertEqual(self.expect("given Bob"), ["given ", "given Bob"])
        fill(win, "Password", "S3cret!#", typed=True)         # shifted keys, one event a key
        self.assertEqual(self.expect("password 8"), ["password %d" % i for i in range(1, 9)])
        fill(win, "Plain Entry", "Hi There", typed=True)      # a GtkEntry, text all over it
        self.expect("plain Hi There")
        fill(win, "Search cases", "ali")
        self.expect("search ali")
        fill(win, "Capacity", "5")                            # a spin button: its Value
        self.expect("capacity 5")
        screenshot("probe-entries")

    def test_checks(self):
        win = self.app.window
        set_check(win, "In Person")                           # GtkSwitch: its "toggle" action
        self.expect("in-person True")
        set_check(win, "Online offending")                    # in an action row: a raw click
        self.expect("need Online offending True")
        set_check(win, "Training Completed")                  # needs scrolling first
        self.expect("trained True")
        set_check(win, "Training Completed", False)
        self.expect("trained False")
        press(win, "Save")                                    # icon-only, named
        self.expect("save")
        # The same name under two expander rows: open one and look only there.
        required = expand(win, "Required specialisms")
        set_check(required, "Pre-offence (at risk, not offended)")
        self.expect("Required specialisms: Pre-offence (at risk, not offended) True")
        screenshot("probe-checks")

    def test_choices(self):
        win = self.app.window
        choose(win, "Category", "At risk, not offended")      # AdwComboRow
        self.expect("category At risk, not offended")
        choose(win, "Status", "Matching")                     # GtkDropDown
        self.expect("status Matching")
        choose(win, "Status", "Enquiry")
        self.expect("status Enquiry")
        choose(win, "Change Status", "Triage")                # GtkMenuButton and its menu
        respond(self.app.node, re.compile("^Change Status to Triage"), "Change Status")
        self.expect("status-dialog change Triage")

    def test_suggestions(self):
        win = self.app.window
        pick_suggestion(win, "Town", "Harr", "Harrow")        # Down, Down, Return
        self.expect("suggestion Harrow")
        self.assertEqual(text_of(find(win, "Town", ENTRIES)), "Harrow")
        pick_suggestion(win, "Town", "Harr", "Harrogate", how="click")
        self.expect("suggestion Harrogate")
        self.assertEqual(text_of(find(win, "Town", ENTRIES)), "Harrogate")

    def test_lists_dialogs_pages(self):
        win = self.app.window
        activate_row(win, "WM-2026-0002", until=lambda: "case activated 1" in self.events())
        press(win, "Refer")
        screenshot("probe-dialog")
        respond(self.app.node, "Refer to this therapist?", "Refer")  # "_Refer Refer", twice
        self.expect("dialog refer")
        press(win, "Other", ("page tab",))
        self.expect("page other")
        self.assertIsNotNone(find_label(win, "The other page"))
        # The form's widgets are still in the tree, but not on screen, and find () skips
        # pages not shown.
        hidden = find_all(win, "Save", BUTTONS, prune=False)
        self.assertTrue(hidden)
        self.assertFalse(any(on_screen(n) for n in hidden))
        self.assertIsNone(exists(win, "Save", BUTTONS))
        press(win, "Form", ("page tab",))
        self.expect("page form")

    def test_file_chooser(self):
        win = self.app.window
        path = os.path.join(WORKDIR, "probe-chosen.waymark")
        before = children_of(self.app.node)
        press(win, "Choose…")
        chooser = wait_for("the file chooser", lambda: next(
            (w for w in children_of(self.app.node) if w not in before), None))
        self.assertEqual(name_of(chooser), "New Database File")
        fill(chooser, re.compile(r"^_?Name:?$"), path)
        screenshot("probe-file-chooser")
        press(chooser, "Select")
        self.expect("file " + path)


class E2ESkeletonTest(E2ETestCase):
    """The window as it is before any database is open."""

    def test_window(self):
        win = self.app.window
        self.assertEqual(name_of(win), UI.TITLE)
        self.assertEqual([name_of(w) for w in children_of(self.app.node)], [UI.TITLE])
        if exists(win, UI.EMPTY_PAGE, ("label",), timeout=1):
            screenshot("empty")
        elif exists(win, UI.WELCOME, ("label",), timeout=1):
            screenshot("welcome")
        menu = find(win, UI.MAIN_MENU, BUTTONS)
        self.assertTrue(on_screen(menu))

    def test_about(self):
        win = self.app.window
        press(win, UI.MAIN_MENU)
        item = find(win, UI.MENU_ABOUT, MENU_ITEMS)
        screenshot("main-menu")
        activate(item)
        about = window(self.app.node, UI.ABOUT_WINDOW)
        find_label(about, UI.ABOUT_NAME)
        screenshot("about")
        press(about, UI.CLOSE)                  # one of eight "Close": the one on screen
        wait_closed(about)
        self.assertEqual(name_of(self.app.window), UI.TITLE)

    def test_shortcuts(self):
        win = self.app.window
        before = children_of(self.app.node)
        press(win, UI.MAIN_MENU)
        press(win, UI.MENU_SHORTCUTS, MENU_ITEMS)
        shortcuts = wait_for("the shortcuts window", lambda: next(
            (w for w in children_of(self.app.node) if w not in before), None))
        find_label(shortcuts, re.compile("^Quit$"))
        screenshot("shortcuts")
        keys("Escape")
        wait_closed(shortcuts)

    def test_quit(self):
        win = self.app.window
        press(win, UI.MAIN_MENU)
        press(win, UI.MENU_QUIT, MENU_ITEMS)
        self.assertEqual(self.app.wait_exit(), 0)


ADMIN_PASSWORD = "Lantern-Quarry-Meadow-73"
APP_ID = "io.github.waymark.Waymark"


class E2EFlowTestCase(E2ETestCase):
    """The steps the flows below share, each taken the way a person takes it. No tests of its
    own. Screenshots of the steps are taken where step_screenshots is set (the coordinator's
    flow); the other flows take only their own."""

    step_screenshots = False

    def setUp(self):
        # The app opens the last database it knew (the previous test's) straight at its login
        # page; these flows start from the welcome page with a database of their own.
        try:
            subprocess.run(["gsettings", "reset", APP_ID, "last-database"], timeout=TIMEOUT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as e:
            log("gsettings reset failed: %s" % e)
        super().setUp()

    def step_screenshot(self, name):
        if self.step_screenshots:
            screenshot(name)

    def new_window(self, before, what, timeout=TIMEOUT):
        """The app's window that was not among `before` (its windows listed just before the
        press that opens it). Preferences, the Add User form and the password dialog are all
        titled "Waymark", like the main window, so when it appeared is what tells. The app's
        windows are listed only while one is expected to appear: see closed ()."""
        return wait_for(what, lambda: next(
            (w for w in children_of(self.app.node) if w not in before), None), timeout)

    def choose_database_file(self, win, path):
        """The database in the work directory, through the file chooser."""
        before = children_of(self.app.node)
        press(win, UI.CHOOSE_FILE)
        chooser = self.new_window(before, "the file chooser")
        fill(chooser, UI.CHOOSER_NAME, path)
        press(chooser, UI.CHOOSER_ACCEPT)
        wait_closed(chooser)

    def tab(self, win, name):
        press(win, name, UI.TAB_ROLES)

    def create_database(self, win, db_path):
        """Welcome: a new database and its first administrator, "admin"; the recovery key
        acknowledged. Returns the key as shown."""
        self.step_screenshot("welcome")
        press(win, UI.CREATE_NEW_DATABASE)
        fill(win, UI.ORGANISATION, "Example Trust")
        self.choose_database_file(win, db_path)
        fill(win, UI.USERNAME, "admin")
        fill(win, UI.YOUR_NAME, "Ada Admin")
        fill(win, UI.PASSWORD, ADMIN_PASSWORD)
        fill(win, UI.REPEAT_PASSWORD, ADMIN_PASSWORD)
        self.step_screenshot("create-database")
        press(win, UI.CREATE_DATABASE)

        # The recovery key, shown once.
        key = " ".join(name_of(find_label(win, UI.RECOVERY_KEY, SLOW_TIMEOUT)).split())
        self.step_screenshot("recovery-key")
        set_check(win, UI.KEY_STORED)
        press(win, UI.CONTINUE)
        find(win, UI.CASES_TAB, UI.TAB_ROLES, SLOW_TIMEOUT)
        self.step_screenshot("created")
        self.assertTrue(os.path.exists(db_path), db_path)
        return key

    def add_therapist(self, win, given, family):
        """A therapist in Harrogate: pre-offence, in person, compliant."""
        today = datetime.date.today()
        in_a_year = (today + datetime.timedelta(days=365)).isoformat()
        last_month = (today - datetime.timedelta(days=30)).isoformat()
        self.tab(win, UI.THERAPISTS_TAB)
        self.step_screenshot("therapists")
        press(win, UI.NEW_THERAPIST)
        fill(win, UI.GIVEN_NAME, given)
        fill(win, UI.FAMILY_NAME, family)
        pick_suggestion(win, UI.TOWN, "Harrog", re.compile(r"^Harrogate\b"))
        set_check(win, UI.PRE_OFFENCE)
        set_check(win, UI.IN_PERSON)
        fill(win, UI.REGISTRATION_EXPIRES, in_a_year)
        fill(win, UI.INSURANCE_EXPIRES, in_a_year)
        fill(win, UI.DBS_CHECKED, last_month)
        set_check(win, UI.TRAINING_COMPLETED)
        self.step_screenshot("therapist-editor")
        press(win, UI.SAVE)
        find_label(win, re.compile(r"\b%s\b" % family))

    def record_enquiry(self, win, client, details=True):
        """An enquiry from Harrogate: at risk, not offended; needs pre-offence work (without
        details: a name and nothing else, which is enough to save). Returns the case's
        reference; the case stays open."""
        self.tab(win, UI.CASES_TAB)
        press(win, UI.NEW_ENQUIRY)
        fill(win, UI.GIVEN_NAME, client)
        if details:
            pick_suggestion(win, UI.TOWN, "Harrog", re.compile(r"^Harrogate\b"))
            choose(win, UI.CATEGORY, UI.AT_RISK)
            required = expand(win, UI.REQUIRED_SPECIALISMS)
            set_check(required, UI.PRE_OFFENCE)
        press(win, UI.SAVE)
        reference = UI.CASE_REFERENCE.search(
            name_of(find_label(win, UI.CASE_REFERENCE, SLOW_TIMEOUT))).group(0)
        log("case %s" % reference)
        self.step_screenshot("case-editor")
        return reference

    def refer(self, win, family):
        """The open case through triage and matching, each confirmed; the therapist named
        `family` is offered; referred."""
        for status in (UI.TRIAGE, UI.MATCHING):
            choose(win, UI.CHANGE_STATUS, status)
            respond(self.app.node, UI.STATUS_DIALOG, UI.STATUS_CONFIRM)
            find_label(win, status)
        self.tab(win, UI.MATCHING_TAB)
        refer = find(win, re.compile(UI.REFER_TO.pattern + r".*\b%s\b" % family), BUTTONS,
                     SLOW_TIMEOUT)
        self.step_screenshot("matching")
        activate(refer)
        respond(self.app.node, UI.REFER_DIALOG, UI.REFER_CONFIRM)
        find_label(win, UI.REFERRED, SLOW_TIMEOUT)
        self.step_screenshot("referred")

    def lock(self, win):
        """The Lock button in the header (Ctrl+L); back at the login page."""
        press(win, UI.LOCK, ("push button",))
        find(win, UI.LOG_IN, BUTTONS, SLOW_TIMEOUT)

    def log_in(self, win, username, password):
        fill(win, UI.USERNAME, username)
        fill(win, UI.PASSWORD, password)
        press(win, UI.LOG_IN)


class E2ECoordinatorTest(E2EFlowTestCase):
    """The coordinator's day from the issue: a new database, a therapist (then seen on the
    map), an enquiry matched and referred, and the case found again; then the CLI reads what
    the GUI wrote."""

    time_limit = 180
    step_screenshots = True

    @requires(UI.CREATE_NEW_DATABASE)
    def test_coordinator_flow(self):
        win = self.app.window
        db_path = os.path.join(WORKDIR, "example-trust.waymark")
        client = "Oswin"
        given, family = "Imogen", "Thackeray"

        key = self.create_database(win, db_path)
        self.add_therapist(win, given, family)
        self.check_map(win, family)

        reference = self.record_enquiry(win, client)
        self.refer(win, family)

        # Back to the list: searching for the client finds the case.
        press(win, UI.BACK_TO_CASES)
        fill(win, UI.SEARCH_CASES, client, typed=True)
        find_label(win, re.compile(re.escape(reference)), SLOW_TIMEOUT)
        screenshot("cases")

        # What the GUI showed is in the file: the recovery key it showed opens it and the
        # audit chain holds; the case is there for the CLI's matcher.
        self.check_with_cli(db_path, key, reference)

    def check_map(self, win, family):
        """The Map page with online tiles off (the tests' schemas): the filters, the count,
        why there are no map pictures, and the new therapist's marker where it can be seen
        and pressed, its popover saying where she works."""
        self.tab(win, UI.MAP_TAB)
        find(win, UI.MAP_SEARCH, ENTRIES)
        find(win, UI.MAP_SPECIALISM, ("combo box", "push button", "toggle button"))
        find(win, UI.MAP_ACCEPTING_ONLY, BUTTONS)
        marker = find(win, re.compile(UI.MAP_THERAPIST.pattern + r".*\b%s\b" % family),
                      BUTTONS, SLOW_TIMEOUT)
        self.assertTrue(on_screen(marker), "%s is not on screen" % node_str(marker))
        count = find_label(win, UI.MAP_COUNT)
        self.assertEqual(UI.MAP_COUNT.search(_norm(name_of(count))).group(1), "1",
                         name_of(count))
        find_label(win, UI.MAP_TILES_OFF)
        screenshot("map")

        activate(marker)
        where = find_label(win, re.compile(r"^Harrogate · In person\b"))
        self.assertIsNotNone(popover_of(where), "%s is not in a popover" % node_str(where))
        screenshot("map-therapist")
        keys("Escape")
        wait_for("the therapist's popover to close", lambda: popover_of(where) is None)

    def check_with_cli(self, db_path, key, reference):
        key_file = os.path.join(WORKDIR, "recovery.key")
        password_file = os.path.join(WORKDIR, "admin.pw")
        with open(key_file, "w") as f:
            f.write(key + "\n")
        with open(password_file, "w") as f:
            f.write(ADMIN_PASSWORD + "\n")
        p = subprocess.run([CLI, "verify", "--db", db_path, "--recovery-key-file", key_file],
                           capture_output=True, text=True, timeout=SLOW_TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = subprocess.run([CLI, "match", "--db", db_path, "--user", "admin",
                            "--password-file", password_file, "--case", reference,
                            "--format", "json"],
                           capture_output=True, text=True, timeout=SLOW_TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        json.loads(p.stdout)


COORDINATOR_PASSWORD = "Juniper-Tandem-Harbour-28"
THERAPIST_TEMPORARY_PASSWORD = "Orchard-Kettle-Signal-41"
THERAPIST_PASSWORD = "Bramble-Lighthouse-Cobalt-96"


class E2EUsersTest(E2EFlowTestCase):
    """Users and roles, from the issue: the administrator makes accounts in Preferences →
    Users (a therapist tied to her directory record, with a temporary password; a
    coordinator) and locks; the coordinator logs in, refers one of two enquiries to the
    therapist and locks; the therapist logs in, is made to choose her own password, and sees
    that one case and nothing else, with the actions on her referral."""

    time_limit = 300

    def open_preferences(self, win):
        before = children_of(self.app.node)
        press(win, UI.MAIN_MENU)
        press(win, UI.MENU_PREFERENCES, MENU_ITEMS)
        return self.new_window(before, "Preferences")

    def add_user(self, prefs, username, display_name, role, password, therapist=None,
                 must_change=True, shot=None):
        """Add User…, filled in and sent; waits for the form to close and the user's row."""
        before = children_of(self.app.node)
        press(prefs, UI.ADD_USER)
        form = self.new_window(before, "the Add User form")
        find_label(form, UI.ADD_USER_TITLE)
        fill(form, UI.NEW_USERNAME, username)
        fill(form, UI.DISPLAY_NAME, display_name)
        choose(form, UI.ROLE, role)
        if therapist is not None:
            choose(form, UI.THERAPIST_RECORD, therapist)
        fill(form, UI.INITIAL_PASSWORD, password)
        fill(form, UI.REPEAT_INITIAL_PASSWORD, password)
        self.assertTrue(is_checked(find(form, UI.MUST_CHANGE, CHECKS)),
                        "%r is not on by default" % UI.MUST_CHANGE)
        set_check(form, UI.MUST_CHANGE, must_change)
        if shot:
            screenshot(shot)
        press(form, UI.ADD)
        wait_closed(form, SLOW_TIMEOUT)
        # The new row: "imogen · Therapist" under her name.
        find_label(prefs, re.compile(r"^%s · %s$" % (re.escape(username), re.escape(role))))

    @requires(UI.CREATE_NEW_DATABASE)
    def test_users_and_roles(self):
        app = self.app
        win = app.window
        db_path = os.path.join(WORKDIR, "users-trust.waymark")
        given, family = "Imogen", "Thackeray"

        # The administrator: a new database, and the therapist in the directory.
        self.create_database(win, db_path)
        self.add_therapist(win, given, family)

        # Preferences → Users: the therapist's account, tied to her record, with a temporary
        # password (must change at first login: on by default); a coordinator's, without.
        prefs = self.open_preferences(win)
        self.tab(prefs, UI.USERS_TAB)
        find_label(prefs, re.compile(r"^admin · Administrator · You$"))
        self.add_user(prefs, "imogen", "%s %s" % (given, family), UI.ROLE_THERAPIST,
                      THERAPIST_TEMPORARY_PASSWORD,
                      therapist=re.compile(r"^%s %s$" % (given, family)), shot="add-user")
        self.add_user(prefs, "colin", "Colin Coordinator", UI.ROLE_COORDINATOR,
                      COORDINATOR_PASSWORD, must_change=False)
        find_label(prefs, UI.MUST_CHANGE_STATE)          # on the therapist's row
        screenshot("users")
        press(prefs, UI.CLOSE)
        wait_closed(prefs)
        self.lock(win)

        # The coordinator: straight in (no password to change); an enquiry not for her, then
        # one referred to her.
        self.log_in(win, "colin", COORDINATOR_PASSWORD)
        find(win, UI.CASES_TAB, UI.TAB_ROLES, SLOW_TIMEOUT)
        self.assertEqual(len(children_of(app.node)), 1, "a window other than the main one")
        other = self.record_enquiry(win, "Perrin", details=False)
        reference = self.record_enquiry(win, "Oswin")
        self.refer(win, family)
        self.lock(win)

        # The therapist: her temporary password works once, to choose her own; the dialog
        # cannot be cancelled.
        before = children_of(app.node)
        self.log_in(win, "imogen", THERAPIST_TEMPORARY_PASSWORD)
        dialog = self.new_window(before, "the password dialog", SLOW_TIMEOUT)
        find_label(dialog, UI.CHOOSE_OWN_PASSWORD)
        self.assertIsNone(exists(dialog, UI.CANCEL, BUTTONS), "a forced change can be cancelled")
        fill(dialog, UI.TEMPORARY_PASSWORD, THERAPIST_TEMPORARY_PASSWORD)
        fill(dialog, UI.NEW_PASSWORD, THERAPIST_PASSWORD)
        fill(dialog, UI.REPEAT_NEW_PASSWORD, THERAPIST_PASSWORD)
        screenshot("password-change")
        press(dialog, UI.CHANGE, timeout=SLOW_TIMEOUT)
        wait_closed(dialog, SLOW_TIMEOUT)

        # My Cases: that one case, and none of the staff's controls.
        find_label(win, UI.TO_CONTACT, SLOW_TIMEOUT)
        rows = find_all(win, UI.CASE_REFERENCE, ROWS)
        self.assertEqual([UI.CASE_REFERENCE.search(name_of(r)).group(0) for r in rows],
                         [reference], "My Cases lists %s" % [name_of(r) for r in rows])
        self.assertNotEqual(other, reference)
        self.assertIsNone(exists(win, UI.NEW_ENQUIRY, BUTTONS))
        self.assertIsNone(exists(win, UI.THERAPISTS_TAB, UI.TAB_ROLES))
        screenshot("my-cases")

        # Her case, with what she can do about the referral: accept it.
        activate_row(win, re.compile(re.escape(reference)),
                     until=lambda: exists(win, UI.ACCEPT, BUTTONS))
        find_label(win, re.compile(r"^%s$" % re.escape(reference)))
        find(win, UI.DECLINE, BUTTONS)
        screenshot("therapist-case")
        press(win, UI.ACCEPT)
        find_label(win, UI.ACCEPTED)
        self.lock(win)

        # Her own password opens it now, with no dialog.
        self.log_in(win, "imogen", THERAPIST_PASSWORD)
        find_label(win, UI.TO_CONTACT, SLOW_TIMEOUT)
        self.assertEqual(len(children_of(app.node)), 1, "a window other than the main one")


def main():
    Atspi.set_timeout(10000, 30000)   # ms: a D-Bus call to a hung app fails instead of hanging
    os.makedirs(SCREENSHOTS, exist_ok=True)
    os.makedirs(WORKDIR, exist_ok=True)
    started = time.monotonic()
    program = unittest.main(module=__name__, exit=False, verbosity=2,
                            testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
    log("e2e: %.1fs" % (time.monotonic() - started))
    result = program.result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
