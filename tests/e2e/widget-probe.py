#!/usr/bin/python3
# widget-probe.py: a small GTK 4 / libadwaita window with one of each kind of control the
# Waymark pages use (entry rows, password row, plain and search entries, check buttons alone
# and in rows, check rows under expander rows, a switch row, a combo row, a drop-down, a spin
# button, a suggestions popover, a list view, a view switcher, a menu button with a menu, message
# dialogs, a file chooser, a form long enough to scroll). test_e2e.py's
# harness tests drive it with the same helpers as the app, so the helpers are known to work on
# this GTK before a page relies on them, and a failure in the app tests is the app's.
#
# Each handler prints "EVENT <what>" on standard output, one line per GTK signal, flushed: the
# test reads them to tell whether an action reached GTK as the user's input would.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import sys

import gi

gi.require_version("Gtk", "4.0")
gi.require_version("Adw", "1")
gi.require_version("Gdk", "4.0")
from gi.repository import Adw, Gdk, Gio, GLib, Gtk  # noqa: E402

GLib.set_prgname("waymark-probe")


def event(what):
    print("EVENT " + what, flush=True)


def labelled(widget, name):
    widget.update_property([Gtk.AccessibleProperty.LABEL], [name])
    return widget


def build(app):
    win = Adw.ApplicationWindow(application=app, title="Probe")
    win.set_default_size(640, 700)

    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
    box.append(Adw.HeaderBar())
    stack = Adw.ViewStack(vexpand=True)
    switcher = Adw.ViewSwitcher(stack=stack, policy=Adw.ViewSwitcherPolicy.WIDE)
    box.append(switcher)
    box.append(stack)

    page = Adw.PreferencesPage()
    stack.add_titled(page, "form", "Form")
    stack.add_titled(Gtk.Label(label="The other page"), "other", "Other")
    stack.connect("notify::visible-child-name",
                  lambda s, p: event("page " + s.get_visible_child_name()))

    group = Adw.PreferencesGroup(title="Client")
    page.add(group)

    given = Adw.EntryRow(title="Given Name")
    given.connect("changed", lambda e: event("given " + e.get_text()))
    group.add(given)

    password = Adw.PasswordEntryRow(title="Password")
    password.connect("changed", lambda e: event("password %d" % len(e.get_text())))
    group.add(password)

    town = Adw.EntryRow(title="Town")
    town.connect("changed", lambda e: event("town " + e.get_text()))
    group.add(town)
    # Suggestions as a location row would show them: a list in a popover under the entry.
    suggestions = Gtk.ListBox(selection_mode=Gtk.SelectionMode.SINGLE)
    popover = Gtk.Popover(child=suggestions, autohide=False, has_arrow=False)
    popover.set_parent(town)
    for name in ("Harrogate", "Harrow"):
        suggestions.append(labelled(Gtk.ListBoxRow(child=Gtk.Label(label=name, xalign=0),
                                                   focusable=False), name))

    def suggestion_activated(listbox, row):
        text = row.get_child().get_label()
        event("suggestion " + text)
        popover.popdown()
        town.set_text(text)

    suggestions.connect("row-activated", suggestion_activated)

    # As the location row does: Down selects a suggestion, Return takes it.
    def town_key(controller, keyval, keycode, state):
        if not popover.get_visible():
            return False
        if keyval == Gdk.KEY_Down:
            selected = suggestions.get_selected_row()
            index = selected.get_index() + 1 if selected is not None else 0
            row = suggestions.get_row_at_index(index)
            if row is not None:
                suggestions.select_row(row)
            return True
        if keyval == Gdk.KEY_Return and suggestions.get_selected_row() is not None:
            suggestion_activated(suggestions, suggestions.get_selected_row())
            return True
        return False

    town_keys = Gtk.EventControllerKey(propagation_phase=Gtk.PropagationPhase.CAPTURE)
    town_keys.connect("key-pressed", town_key)
    town.add_controller(town_keys)

    def town_changed(entry):
        if entry.get_text().lower().startswith("harr") \
           and entry.get_text() not in ("Harrogate", "Harrow"):
            popover.popup()
        else:
            popover.popdown()

    town.connect("changed", town_changed)

    category = Adw.ComboRow(title="Category", model=Gtk.StringList.new(
        ["Other", "At risk, not offended", "Family member or partner"]))
    category.connect("notify::selected-item",
                     lambda c, p: event("category " + c.get_selected_item().get_string()))
    group.add(category)

    in_person = Adw.ActionRow(title="In Person")
    switch = Gtk.Switch(valign=Gtk.Align.CENTER)
    switch.connect("notify::active", lambda s, p: event("in-person %s" % s.get_active()))
    in_person.add_suffix(switch)
    in_person.set_activatable_widget(switch)
    group.add(in_person)

    needs = Adw.PreferencesGroup(title="Needs")
    page.add(needs)
    for name in ("Pre-offence (at risk, not offended)", "Online offending", "Trauma"):
        row = Adw.ActionRow(title=name)
        check = Gtk.CheckButton(valign=Gtk.Align.CENTER)
        check.connect("toggled", lambda c, n=name: event("need %s %s" % (n, c.get_active())))
        row.add_prefix(check)
        row.set_activatable_widget(check)
        needs.add(row)

    # As in the case editor: the same check names under two expander rows.
    for title in ("Required specialisms", "Desired specialisms"):
        expander = Adw.ExpanderRow(title=title)
        for name in ("Pre-offence (at risk, not offended)", "Trauma"):
            row = Adw.ActionRow(title=name)
            check = labelled(Gtk.CheckButton(valign=Gtk.Align.CENTER), name)
            check.connect("toggled",
                          lambda c, n=name, t=title: event("%s: %s %s" % (t, n, c.get_active())))
            row.add_prefix(check)
            row.set_activatable_widget(check)
            expander.add_row(row)
        needs.add(expander)

    plain = Adw.PreferencesGroup(title="Plain widgets")
    page.add(plain)
    entry = labelled(Gtk.Entry(), "Plain Entry")
    entry.connect("changed", lambda e: event("plain " + e.get_text()))
    plain.add(entry)
    search = labelled(Gtk.SearchEntry(), "Search cases")
    search.connect("search-changed", lambda e: event("search " + e.get_text()))
    plain.add(search)
    status = labelled(Gtk.DropDown(model=Gtk.StringList.new(["Enquiry", "Triage", "Matching"])),
                      "Status")
    status.connect("notify::selected-item",
                   lambda d, p: event("status " + d.get_selected_item().get_string()))
    plain.add(status)
    capacity = labelled(Gtk.SpinButton.new_with_range(0, 20, 1), "Capacity")
    capacity.connect("value-changed", lambda s: event("capacity %d" % s.get_value()))
    plain.add(capacity)

    factory = Gtk.SignalListItemFactory()
    factory.connect("setup", lambda f, item: item.set_child(Gtk.Label(xalign=0)))
    factory.connect("bind",
                    lambda f, item: item.get_child().set_label(item.get_item().get_string()))
    cases = labelled(Gtk.ListView(model=Gtk.SingleSelection(
        model=Gtk.StringList.new(["WM-2026-0001", "WM-2026-0002"])), factory=factory), "Cases")
    cases.connect("activate", lambda v, pos: event("case activated %d" % pos))
    plain.add(cases)

    def refer(button):
        dialog = Adw.MessageDialog(transient_for=win, heading="Refer to this therapist?",
                                   body="A referral will be recorded.")
        dialog.add_response("cancel", "_Cancel")
        dialog.add_response("refer", "_Refer")
        dialog.set_response_appearance("refer", Adw.ResponseAppearance.SUGGESTED)
        dialog.connect("response", lambda d, r: event("dialog " + r))
        dialog.present()

    # As in the case view: a menu of statuses, each confirmed in a dialog.
    menu = Gio.Menu()
    for status in ("Triage", "Matching", "Withdrawn"):
        menu.append(status, "win.set-status::" + status)
    action = Gio.SimpleAction.new("set-status", GLib.VariantType.new("s"))

    def set_status(a, value):
        dialog = Adw.MessageDialog(transient_for=win,
                                   heading="Change Status to %s?" % value.get_string())
        dialog.add_response("cancel", "_Cancel")
        dialog.add_response("change", "_Change Status")
        dialog.connect("response", lambda d, r: event("status-dialog %s %s"
                                                      % (r, value.get_string())))
        dialog.present()

    action.connect("activate", set_status)
    win.add_action(action)
    status_button = Gtk.MenuButton(label="Change _Status", use_underline=True, menu_model=menu)
    status_button.update_property([Gtk.AccessibleProperty.LABEL], ["Change Status"])
    plain.add(status_button)

    # As on the welcome page: a file chosen for saving (a GtkFileChooserDialog without portal).
    def choose(button):
        chooser = Gtk.FileChooserNative.new("New Database File", win, Gtk.FileChooserAction.SAVE,
                                            "_Select", "_Cancel")
        chooser.set_current_name("probe.waymark")

        def response(c, r):
            path = c.get_file().get_path() if r == Gtk.ResponseType.ACCEPT else None
            event("file %s" % path)

        chooser.connect("response", response)
        chooser.show()
        win.chooser = chooser  # keep it alive

    choose_button = Gtk.Button(label="C_hoose…", use_underline=True)
    choose_button.connect("clicked", choose)
    plain.add(choose_button)

    refer_button = Gtk.Button(label="_Refer", use_underline=True)
    refer_button.connect("clicked", refer)
    plain.add(refer_button)

    # Far down the page: reachable only by scrolling.
    late = Adw.PreferencesGroup(title="Compliance")
    page.add(late)
    for i in range(12):
        late.add(Adw.ActionRow(title="Filler %d" % (i + 1)))
    trained = Gtk.CheckButton(label="Training Completed")
    trained.connect("toggled", lambda c: event("trained %s" % c.get_active()))
    late.add(trained)
    save = labelled(Gtk.Button(icon_name="document-save-symbolic"), "Save")
    save.connect("clicked", lambda b: event("save"))
    late.add(save)

    win.set_content(box)
    win.present()
    event("ready")


def main():
    app = Adw.Application(application_id="io.github.waymark.E2EProbe")
    app.connect("activate", build)
    return app.run(sys.argv[:1])


if __name__ == "__main__":
    sys.exit(main())
