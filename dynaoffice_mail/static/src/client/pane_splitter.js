import { Component, onWillUnmount } from "@odoo/owl";

const KEYBOARD_STEP = 16;

/**
 * The handle between two panes: drag it (or use the arrow keys on it) to change the width
 * of the pane before it; a double click puts the default width back.
 */
export class PaneSplitter extends Component {
    static template = "dynaoffice_mail.PaneSplitter";
    static props = {
        width: Number,
        min: Number,
        max: Number,
        onChange: Function,
        onReset: { type: Function, optional: true },
        title: String,
    };

    setup() {
        this.drag = null;
        this.onPointerMove = this.onPointerMove.bind(this);
        this.onPointerUp = this.onPointerUp.bind(this);
        onWillUnmount(() => this.stopDrag());
    }

    clamp(width) {
        return Math.round(Math.min(Math.max(width, this.props.min), this.props.max));
    }

    onPointerDown(ev) {
        if (ev.button !== 0) {
            return;
        }
        ev.preventDefault();
        const rtl = getComputedStyle(ev.currentTarget).direction === "rtl";
        this.drag = { x: ev.clientX, width: this.props.width, sign: rtl ? -1 : 1 };
        window.addEventListener("pointermove", this.onPointerMove);
        window.addEventListener("pointerup", this.onPointerUp);
        document.body.classList.add("o_dynaoffice_mail_resizing");
    }

    onPointerMove(ev) {
        if (this.drag) {
            const delta = (ev.clientX - this.drag.x) * this.drag.sign;
            this.props.onChange(this.clamp(this.drag.width + delta));
        }
    }

    onPointerUp() {
        this.stopDrag();
    }

    stopDrag() {
        this.drag = null;
        window.removeEventListener("pointermove", this.onPointerMove);
        window.removeEventListener("pointerup", this.onPointerUp);
        document.body.classList.remove("o_dynaoffice_mail_resizing");
    }

    onKeydown(ev) {
        const step = { ArrowLeft: -KEYBOARD_STEP, ArrowRight: KEYBOARD_STEP }[ev.key];
        if (step) {
            ev.preventDefault();
            ev.stopPropagation();
            this.props.onChange(this.clamp(this.props.width + step));
        }
    }
}
